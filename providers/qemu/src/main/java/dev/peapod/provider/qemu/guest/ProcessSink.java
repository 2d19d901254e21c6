package dev.peapod.provider.qemu.guest;

/** Where a connection delivers the streams and the end of one exec'd process. Called on the reader thread. */
interface ProcessSink {

  void stdout(byte[] data);

  void stderr(byte[] data);

  /** The process exited with this code (status, or 128+signal). */
  void exited(int exitCode);

  /** The connection broke: the process's end will never be known. */
  void failed(GuestException error);

  /**
   * The guest could not carry out a one-way message for the process (stdin, a window size).
   * The process goes on and its exit still ends the session.
   */
  void messageFailed(GuestErrorException error);
}
