package dev.peapod.manifest.decode;

/**
 * Every object shape Peapod reads, with what it does to each field. The PeaPod shapes are what
 * {@code peapod.schema.json} describes (same names as its {@code definitions}); the schema test walks
 * both. The {@code HYPER_*} shapes describe hyperd's {@code UserPod} JSON.
 */
public final class Shapes {
  private Shapes() {}

  private static final String NO_CLUSTER = "pods run on this host, there is no scheduler";
  private static final String OWN_VM =
      "each pod has its own VM; there are no host namespaces to share";
  private static final String VOLUME_TYPE = "supported volume types: emptyDir, hostPath,"
      + " persistentVolumeClaim, configMap, secret, downwardAPI, projected, image";

  static final Shape OBJECT_FIELD_SELECTOR = Shape.named("ObjectFieldSelector")
      .supported("apiVersion", "fieldPath")
      .build();

  static final Shape RESOURCE_FIELD_SELECTOR = Shape.named("ResourceFieldSelector")
      .supported("containerName", "resource", "divisor")
      .build();

  static final Shape KEY_SELECTOR = Shape.named("KeySelector")
      .supported("name", "key", "optional")
      .build();

  static final Shape ENV_VAR_SOURCE = Shape.named("EnvVarSource")
      .object("fieldRef", OBJECT_FIELD_SELECTOR)
      .object("resourceFieldRef", RESOURCE_FIELD_SELECTOR)
      .object("configMapKeyRef", KEY_SELECTOR)
      .object("secretKeyRef", KEY_SELECTOR)
      .unsupported("files of a volume are not read into variables; mount the volume", "fileKeyRef")
      .build();

  static final Shape ENV_VAR = Shape.named("EnvVar")
      .supported("name", "value")
      .object("valueFrom", ENV_VAR_SOURCE)
      .build();

  /** Kubernetes' LocalObjectReference: {@code imagePullSecrets[]}. */
  static final Shape LOCAL_OBJECT_REFERENCE = Shape.named("LocalObjectReference")
      .supported("name")
      .build();

  static final Shape OBJECT_REFERENCE = Shape.named("EnvFromReference")
      .supported("name", "optional")
      .build();

  static final Shape ENV_FROM_SOURCE = Shape.named("EnvFromSource")
      .supported("prefix")
      .object("configMapRef", OBJECT_REFERENCE)
      .object("secretRef", OBJECT_REFERENCE)
      .build();

  static final Shape CONTAINER_PORT = Shape.named("ContainerPort")
      .supported("containerPort", "hostPort", "hostIP", "protocol", "name")
      .build();

  static final Shape VOLUME_MOUNT = Shape.named("VolumeMount")
      .supported("name", "mountPath", "readOnly", "subPath")
      .unsupported("mounts are private to the container", "mountPropagation")
      .unsupported("write the subPath out", "subPathExpr")
      .unsupported("use readOnly", "recursiveReadOnly")
      .build();

  static final Shape RESOURCES = Shape.named("ResourceRequirements")
      .supported("limits", "requests")
      .unsupported("there are no dynamic resource claims", "claims")
      .build();

  static final Shape RESIZE_POLICY = Shape.named("ContainerResizePolicy")
      .supported("resourceName", "restartPolicy")
      .build();

  private static final String NO_SELINUX = "the guest kernel has no SELinux; containers are confined by"
      + " capabilities, seccomp and their VM";
  private static final String LINUX_ONLY = "Peapod runs Linux guests only";

  static final Shape CAPABILITIES = Shape.named("Capabilities")
      .supported("add", "drop")
      .build();

  static final Shape SECCOMP_PROFILE = Shape.named("SeccompProfile")
      .supported("type", "localhostProfile")
      .build();

  static final Shape APPARMOR_PROFILE = Shape.named("AppArmorProfile")
      .supported("type", "localhostProfile")
      .build();

  static final Shape SYSCTL = Shape.named("Sysctl")
      .supported("name", "value")
      .build();

  static final Shape CONTAINER_SECURITY_CONTEXT = Shape.named("SecurityContext")
      .supported("runAsUser", "runAsGroup", "runAsNonRoot", "allowPrivilegeEscalation")
      .object("capabilities", CAPABILITIES)
      .supported("readOnlyRootFilesystem")
      .object("seccompProfile", SECCOMP_PROFILE)
      .object("appArmorProfile", APPARMOR_PROFILE)
      .supported("privileged", "procMount")
      .unsupported("a container's cgroup is mounted read-only in it; writable cgroups (Kubernetes 1.37"
          + " CgroupOptions) are not given", "cgroupOptions")
      .unsupported(NO_SELINUX, "seLinuxOptions")
      .unsupported(LINUX_ONLY, "windowsOptions")
      .build();

  static final Shape EXEC_ACTION = Shape.named("ExecAction")
      .supported("command")
      .build();

  static final Shape HTTP_HEADER = Shape.named("HTTPHeader")
      .supported("name", "value")
      .build();

  static final Shape HTTP_GET_ACTION = Shape.named("HTTPGetAction")
      .supported("path", "port", "host", "scheme")
      .object("httpHeaders", HTTP_HEADER)
      .build();

  static final Shape TCP_SOCKET_ACTION = Shape.named("TCPSocketAction")
      .supported("port", "host")
      .build();

  static final Shape GRPC_ACTION = Shape.named("GRPCAction")
      .supported("port", "service")
      .build();

  static final Shape SLEEP_ACTION = Shape.named("SleepAction")
      .supported("seconds")
      .build();

  static final Shape PROBE = Shape.named("Probe")
      .object("exec", EXEC_ACTION)
      .object("httpGet", HTTP_GET_ACTION)
      .object("tcpSocket", TCP_SOCKET_ACTION)
      .object("grpc", GRPC_ACTION)
      .supported("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
          "failureThreshold", "terminationGracePeriodSeconds")
      .build();

  static final Shape LIFECYCLE_HANDLER = Shape.named("LifecycleHandler")
      .object("exec", EXEC_ACTION)
      .object("httpGet", HTTP_GET_ACTION)
      .object("sleep", SLEEP_ACTION)
      .unsupported("Kubernetes accepts tcpSocket hooks but never runs them; use exec or httpGet",
          "tcpSocket")
      .build();

  static final Shape LIFECYCLE = Shape.named("Lifecycle")
      .object("postStart", LIFECYCLE_HANDLER)
      .object("preStop", LIFECYCLE_HANDLER)
      .unsupported("containers are stopped with SIGTERM", "stopSignal")
      .build();

  static final Shape CONTAINER = Shape.named("Container")
      .supported("name", "image", "imagePullPolicy", "command", "args")
      .object("env", ENV_VAR)
      .object("envFrom", ENV_FROM_SOURCE)
      .supported("workingDir")
      .object("ports", CONTAINER_PORT)
      .object("volumeMounts", VOLUME_MOUNT)
      .object("resources", RESOURCES)
      .object("securityContext", CONTAINER_SECURITY_CONTEXT)
      .supported("restartPolicy", "stdin", "stdinOnce", "tty")
      .object("livenessProbe", PROBE)
      .object("readinessProbe", PROBE)
      .object("startupProbe", PROBE)
      .object("lifecycle", LIFECYCLE)
      .ignored("terminationMessagePath", "Peapod does not collect termination messages")
      .ignored("terminationMessagePolicy", "Peapod does not collect termination messages")
      .unsupported("raw block devices are not passed to containers", "volumeDevices")
      .object("resizePolicy", RESIZE_POLICY)
      .unsupported("guest-init restarts a container by its restartPolicy only; exit-code rules"
          + " (Kubernetes 1.34 ContainerRestartRules) are not run", "restartPolicyRules")
      .build();

  static final Shape EMPTY_DIR = Shape.named("EmptyDirVolumeSource")
      .supported("medium", "sizeLimit", "mode")
      .build();

  static final Shape IMAGE_VOLUME = Shape.named("ImageVolumeSource")
      .supported("reference", "pullPolicy")
      .build();

  static final Shape HOST_PATH = Shape.named("HostPathVolumeSource")
      .supported("path", "type")
      .build();

  static final Shape PERSISTENT_VOLUME_CLAIM = Shape.named("PersistentVolumeClaimVolumeSource")
      .supported("claimName", "readOnly")
      .build();

  static final Shape KEY_TO_PATH = Shape.named("KeyToPath")
      .supported("key", "path", "mode")
      .build();

  static final Shape CONFIG_MAP_VOLUME = Shape.named("ConfigMapVolumeSource")
      .supported("name")
      .object("items", KEY_TO_PATH)
      .supported("defaultMode", "optional")
      .build();

  static final Shape DOWNWARD_API_FILE = Shape.named("DownwardAPIVolumeFile")
      .supported("path")
      .object("fieldRef", OBJECT_FIELD_SELECTOR)
      .object("resourceFieldRef", RESOURCE_FIELD_SELECTOR)
      .supported("mode")
      .build();

  static final Shape DOWNWARD_API_VOLUME = Shape.named("DownwardAPIVolumeSource")
      .object("items", DOWNWARD_API_FILE)
      .supported("defaultMode")
      .build();

  static final Shape SECRET_VOLUME = Shape.named("SecretVolumeSource")
      .supported("secretName")
      .object("items", KEY_TO_PATH)
      .supported("defaultMode", "optional")
      .build();

  static final Shape SECRET_PROJECTION = Shape.named("SecretProjection")
      .supported("name")
      .object("items", KEY_TO_PATH)
      .supported("optional")
      .build();

  static final Shape CONFIG_MAP_PROJECTION = Shape.named("ConfigMapProjection")
      .supported("name")
      .object("items", KEY_TO_PATH)
      .supported("optional")
      .build();

  static final Shape DOWNWARD_API_PROJECTION = Shape.named("DownwardAPIProjection")
      .object("items", DOWNWARD_API_FILE)
      .build();

  static final Shape VOLUME_PROJECTION = Shape.named("VolumeProjection")
      .object("configMap", CONFIG_MAP_PROJECTION)
      .object("downwardAPI", DOWNWARD_API_PROJECTION)
      .object("secret", SECRET_PROJECTION)
      .unsupported(FileVolumeDecoder.SERVICE_ACCOUNT_TOKEN, "serviceAccountToken")
      .unsupported("cluster trust bundles are a cluster's (certificates.k8s.io); pods read from files have none",
          "clusterTrustBundle")
      .unsupported("pod certificates are issued by a cluster's signers; pods read from files have none",
          "podCertificate")
      .build();

  static final Shape PROJECTED_VOLUME = Shape.named("ProjectedVolumeSource")
      .object("sources", VOLUME_PROJECTION)
      .supported("defaultMode")
      .build();

  /** One file of a {@code files} volume (a Peapod extension): its bytes inline, or a file:// URI. */
  static final Shape INLINE_FILE = Shape.named("InlineFile")
      .supported("path", "content", "contentBase64", "uri", "mode", "uid", "gid")
      .build();

  /**
   * A volume of files given inline (a Peapod extension, no PodSpec field holds it): what a
   * HyperContainer pod's {@code files} become, so that {@code inspect -o yaml} writes them back.
   */
  static final Shape FILES_VOLUME = Shape.named("FilesVolumeSource")
      .object("files", INLINE_FILE)
      .supported("defaultMode")
      .build();

  static final Shape VOLUME = Shape.named("Volume")
      .supported("name")
      .object("files", FILES_VOLUME)
      .object("emptyDir", EMPTY_DIR)
      .object("hostPath", HOST_PATH)
      .object("persistentVolumeClaim", PERSISTENT_VOLUME_CLAIM)
      .object("configMap", CONFIG_MAP_VOLUME)
      .object("downwardAPI", DOWNWARD_API_VOLUME)
      .object("projected", PROJECTED_VOLUME)
      .object("secret", SECRET_VOLUME)
      .object("image", IMAGE_VOLUME)
      .unsupported(VOLUME_TYPE, "ephemeral", "csi", "nfs", "iscsi", "rbd", "cephfs", "cinder",
          "fc", "flexVolume", "flocker", "gitRepo", "glusterfs", "awsElasticBlockStore",
          "gcePersistentDisk", "azureDisk", "azureFile", "photonPersistentDisk",
          "portworxVolume", "quobyte", "scaleIO", "storageos", "vsphereVolume")
      .build();

  static final Shape DNS_OPTION = Shape.named("PodDNSConfigOption")
      .supported("name", "value")
      .build();

  static final Shape DNS_CONFIG = Shape.named("PodDNSConfig")
      .supported("nameservers", "searches")
      .object("options", DNS_OPTION)
      .build();

  static final Shape HOST_ALIAS = Shape.named("HostAlias")
      .supported("ip", "hostnames")
      .build();

  static final Shape POD_SECURITY_CONTEXT = Shape.named("PodSecurityContext")
      .supported("runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups",
          "supplementalGroupsPolicy", "fsGroup", "fsGroupChangePolicy")
      .object("sysctls", SYSCTL)
      .object("seccompProfile", SECCOMP_PROFILE)
      .object("appArmorProfile", APPARMOR_PROFILE)
      .unsupported(NO_SELINUX, "seLinuxOptions", "seLinuxChangePolicy")
      .unsupported(LINUX_ONLY, "windowsOptions")
      .build();

  static final Shape VM = Shape.named("VmSpec")
      .supported("vcpus", "memory", "kernel", "accel", "pids")
      .build();

  /** The Kubernetes PodSpec fields, as a kind: Pod document may use them. */
  static final Shape POD_SPEC = Shape.named("PodSpec")
      .object("containers", CONTAINER)
      .object("initContainers", CONTAINER)
      .object("volumes", VOLUME)
      .supported("hostname", "dnsPolicy")
      .object("dnsConfig", DNS_CONFIG)
      .object("hostAliases", HOST_ALIAS)
      .supported("terminationGracePeriodSeconds", "restartPolicy")
      .object("securityContext", POD_SECURITY_CONTEXT)
      .supported("shareProcessNamespace", "serviceAccountName", "serviceAccount",
          "automountServiceAccountToken", "hostUsers")
      .tolerated("there are no Services whose variables could be injected", "enableServiceLinks")
      // Cluster-only: one warning per pod (ClusterFieldsDecoder), kept for the Kubernetes mode.
      .supported("nodeSelector", "affinity", "tolerations", "topologySpreadConstraints", "schedulerName",
          "priorityClassName", "priority", "preemptionPolicy", "runtimeClassName", "schedulingGates", "overhead")
      .unsupported(NO_CLUSTER, "nodeName", "readinessGates", "workloadRef")
      .unsupported(OWN_VM, "hostNetwork", "hostPID", "hostIPC")
      .object("resources", RESOURCES)
      .unsupported("there are no dynamic resource claims", "resourceClaims")
      .unsupported("there is no cluster DNS", "subdomain", "setHostnameAsFQDN",
          "hostnameOverride")
      .unsupported("Peapod runs Linux guests only", "os")
      .unsupported("use peapod exec to debug a pod", "ephemeralContainers")
      .unsupported("pods run until stopped", "activeDeadlineSeconds")
      .object("imagePullSecrets", LOCAL_OBJECT_REFERENCE)
      .unsupported("a PeaPod field; use apiVersion: peapod.dev/v1alpha1, kind: PeaPod",
          "vm", "state")
      .build();

  /** A PeaPod spec: the PodSpec fields plus Peapod's own. */
  static final Shape PEAPOD_SPEC = Shape.named("PeaPodSpec")
      .like(POD_SPEC)
      .object("vm", VM)
      .supported("state")
      .build();

  private static final String SERVER_SET =
      "set by the Kubernetes API server; says nothing about what to run";

  static final Shape METADATA = Shape.named("ObjectMeta")
      .supported("name", "namespace", "labels", "annotations")
      .tolerated(SERVER_SET, "uid", "resourceVersion", "generation", "creationTimestamp",
          "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
          "ownerReferences", "finalizers")
      .unsupported("Peapod needs a fixed pod name; set metadata.name", "generateName")
      .build();

  /** A ConfigMap's or Secret's metadata: its namespace is part of its name, as pods refer to it. */
  static final Shape CONFIG_METADATA = Shape.named("ConfigObjectMeta")
      .supported("name", "namespace", "labels", "annotations")
      .tolerated(SERVER_SET, "uid", "resourceVersion", "generation", "creationTimestamp",
          "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
          "ownerReferences", "finalizers")
      .unsupported("pods refer to it by name; set metadata.name", "generateName")
      .build();

  /** {@code kind: ConfigMap} (v1) next to the pods that use it. */
  static final Shape CONFIG_MAP = Shape.named("ConfigMap")
      .supported("apiVersion", "kind")
      .object("metadata", CONFIG_METADATA)
      .supported("data", "binaryData", "immutable")
      .build();

  /** {@code kind: Secret} (v1) next to the pods that use it. */
  static final Shape SECRET = Shape.named("Secret")
      .supported("apiVersion", "kind")
      .object("metadata", CONFIG_METADATA)
      .supported("data", "stringData", "type", "immutable")
      .build();

  /** A Kubernetes object's top level; the kind picks the spec shape. */
  static final Shape PEAPOD = Shape.named("PeaPod")
      .supported("apiVersion", "kind")
      .object("metadata", METADATA)
      .object("spec", PEAPOD_SPEC)
      .tolerated("written by controllers, not by users", "status")
      .build();

  static final Shape POD = Shape.named("Pod")
      .like(PEAPOD)
      .object("spec", POD_SPEC)
      .build();

  // ---- PersistentVolumeClaim (v1), read beside the pods for a claim's size and access ----

  private static final String PROVISIONER =
      "a claim here is a directory of this host, not bound by a cluster's provisioner";

  static final Shape CLAIM_STORAGE = Shape.named("ClaimStorage")
      .supported("storage")
      .build();

  static final Shape CLAIM_RESOURCES = Shape.named("VolumeResourceRequirements")
      .object("requests", CLAIM_STORAGE)
      .object("limits", CLAIM_STORAGE)
      .build();

  static final Shape CLAIM_SPEC = Shape.named("PersistentVolumeClaimSpec")
      .supported("accessModes", "volumeMode")
      .object("resources", CLAIM_RESOURCES)
      .tolerated("there is one kind of storage here, a directory of this host", "storageClassName")
      .unsupported(PROVISIONER, "volumeName", "selector", "dataSource", "dataSourceRef",
          "volumeAttributesClassName")
      .build();

  static final Shape CLAIM = Shape.named("PersistentVolumeClaim")
      .supported("apiVersion", "kind")
      .object("metadata", METADATA)
      .object("spec", CLAIM_SPEC)
      .tolerated("written by controllers, not by users", "status")
      .build();

  // ---- HyperContainer (hyperd UserPod) ----

  static final Shape HYPER_FILE = Shape.named("UserFile")
      .supported("name", "encoding", "uri", "content")
      .build();

  static final Shape HYPER_FILE_REF = Shape.named("UserFileReference")
      .supported("path", "filename", "perm", "user", "group")
      .unsupported("declare the file in the pod's files", "detail")
      .build();

  static final Shape HYPER_ENV = Shape.named("UserEnvironmentVar").supported("env", "value").build();

  static final Shape HYPER_PORT = Shape.named("UserContainerPort")
      .supported("containerPort", "hostPort", "protocol")
      .unsupported("there are no services", "servicePort")
      .build();

  static final Shape HYPER_VOLUME_REF = Shape.named("UserVolumeReference")
      .supported("volume", "path", "readOnly")
      .unsupported("declare the volume in the pod's volumes", "detail")
      .build();

  static final Shape HYPER_USER = Shape.named("UserUser")
      .supported("name", "group")
      .unsupported("extra groups are not supported yet", "additionalGroups")
      .build();

  static final Shape HYPER_CONTAINER = Shape.named("UserContainer")
      .supported("name", "image", "command", "entrypoint", "workdir")
      .object("envs", HYPER_ENV)
      .object("ports", HYPER_PORT)
      .object("volumes", HYPER_VOLUME_REF)
      .object("files", HYPER_FILE_REF)
      .supported("tty", "restartPolicy")
      .object("user", HYPER_USER)
      .supported("sysctl")
      .unsupported("containers stop with SIGTERM then SIGKILL", "stopSignal")
      .build();

  static final Shape HYPER_RESOURCE = Shape.named("UserResource").supported("vcpu", "memory").build();

  static final Shape HYPER_VOLUME = Shape.named("UserVolume")
      .supported("name", "source", "format", "driver")
      .unsupported("volumes are mounted with their own file system", "fstype")
      .unsupported("only host directories and empty volumes are supported", "option")
      .build();

  static final Shape HYPER_PORT_MAPPING = Shape.named("PortMapping")
      .supported("containerPort", "hostPort", "protocol")
      .build();

  static final Shape HYPER_POD = Shape.named("UserPod")
      .supported("id", "hostname")
      .object("containers", HYPER_CONTAINER)
      .object("resource", HYPER_RESOURCE)
      .object("volumes", HYPER_VOLUME)
      .object("files", HYPER_FILE)
      .object("portmappings", HYPER_PORT_MAPPING)
      .supported("dns", "tty", "labels", "restartPolicy", "restart")
      .unsupported("pods use the VM's user-mode network", "interfaces")
      .unsupported("there is no service proxy in the VM", "services")
      .unsupported("container output goes to Peapod's log", "log")
      .unsupported("Peapod has one pod type", "type")
      .build();


  /** The root of the PeaPod schema, for the schema test. */
  public static Shape peaPod() {
    return PEAPOD;
  }
}
