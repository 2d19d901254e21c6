// probe-server: independent servers for the VM tests of grpc and HTTPS probes,
// built from Debian's Go packages (grpc-go, crypto/tls), not from Peapod's code.
//
//	probe-server grpc PORT FILE   grpc.health.v1 Health on h2c; the server ("")
//	                              and service "probe" are NOT_SERVING while FILE
//	                              exists, SERVING otherwise
//	probe-server https PORT       HTTPS (TLS 1.2/1.3, a self-signed certificate
//	                              made at start): GET / is 200, other paths 404
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: probe-server grpc PORT FILE | https PORT")
		os.Exit(2)
	}
	addr := ":" + os.Args[2]
	switch os.Args[1] {
	case "grpc":
		serveGrpc(addr, os.Args[3])
	case "https":
		serveHTTPS(addr)
	default:
		os.Exit(2)
	}
}

func serveGrpc(addr, file string) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := health.NewServer()
	go func() {
		last := healthpb.HealthCheckResponse_UNKNOWN
		for {
			status := healthpb.HealthCheckResponse_SERVING
			if _, err := os.Stat(file); err == nil {
				status = healthpb.HealthCheckResponse_NOT_SERVING
			}
			if status != last {
				h.SetServingStatus("", status)
				h.SetServingStatus("probe", status)
				fmt.Println("health:", status)
				last = status
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, h)
	fmt.Println("grpc health on", addr)
	if err := s.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func serveHTTPS(addr string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "probe-server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	srv := &http.Server{
		Addr: addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintln(w, "ok")
		}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	fmt.Println("https on", addr)
	if err := srv.ListenAndServeTLS("", ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
