package dev.peapod.provider.qemu.guest;

/** Where a connection delivers the streams and the end of one exec'd process. Called on the reader thread. */
interface ProcessSink {

  void stdout(byte[] data);

  void stderr(byte[] data);

  /** The process exited with this code (status, or 128+signal). */
  void exited(int exitCode);

  /** The guest reported an error about the process, or the connection broke. */
  void failed(GuestException error);
}
