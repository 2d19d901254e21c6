package dev.peapod.provider.qemu;

import dev.peapod.provider.ProviderEvent;
import dev.peapod.provider.ProviderEvent.Kind;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Pushes pod events without polling and without holding anything another client needs:
 *
 * <ul>
 *   <li>a pod's records changing: an inotify watch (the JDK's {@link WatchService}) on {@code pods/}
 *       and on each pod directory, for entries created and deleted only. Records are replaced by
 *       rename, so every change of {@code pod.json} or {@code vm.json} is a create; the logs QEMU
 *       appends to are modifications, which are not watched, so a chatty container costs nothing;
 *   <li>a VM ending: a connection to the VM's {@link VmFiles#lifeline()} socket, which QEMU listens
 *       on; the kernel closes it the moment the QEMU process ends, however it ends ({@code kill -9}
 *       included). One selector thread waits on all of them;
 *   <li>a container's readiness changing: the lifeline is also the guest's "peapod.evt" port,
 *       where guest-init writes a notice when a running container's ready or started state
 *       changes (a probe began or stopped passing). Bytes arriving are a {@link Kind#READINESS}
 *       event; their content is not needed, since a watcher inspects the pod anyway.
 * </ul>
 *
 * <p>QEMU serves one client per socket, so of two watches on one VM only the first connected
 * hears its notices (the other still sees it end: the kernel closes a connection QEMU never
 * accepted when QEMU ends). Within one process watches of one state directory therefore share
 * one {@code PodWatch} ({@link #share}): {@code peapod serve}'s own watch and its node agent's.
 *
 * VMs started before lifelines existed have none; their end is seen by whoever also re-reads the
 * inventory now and then (the controller's drift check), as {@link ProviderEvent} asks of every
 * watcher.
 */
final class PodWatch implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(PodWatch.class.getName());
  private static final String VM_FILE = "vm.json";

  private final Path podsDir;
  private final Consumer<ProviderEvent> listener;
  /** The watches shared in this process, by pods directory, with their listeners: see {@link #share}. */
  private static final Map<Path, Shared> SHARED = new java.util.HashMap<>();

  private static final class Shared {
    final java.util.List<Consumer<ProviderEvent>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    PodWatch watch;
  }
  private final WatchService files;
  private final Selector vms;
  private final Map<WatchKey, String> podOfKey = new ConcurrentHashMap<>();
  private final Map<String, SocketChannel> lifelines = new ConcurrentHashMap<>();
  private final Queue<String> toConnect = new ConcurrentLinkedQueue<>();
  private final Thread fileThread;
  private final Thread vmThread;
  private volatile boolean closed;

  private PodWatch(Path podsDir, Consumer<ProviderEvent> listener) throws IOException {
    this.podsDir = podsDir;
    this.listener = listener;
    this.files = podsDir.getFileSystem().newWatchService();
    this.vms = Selector.open();
    this.fileThread = new Thread(this::watchFiles, "peapod-pod-watch");
    this.vmThread = new Thread(this::watchVms, "peapod-vm-watch");
  }

  /** Watches the pods under {@code podsDir} (which must exist) until closed. */
  static PodWatch start(Path podsDir, Consumer<ProviderEvent> listener) throws IOException {
    PodWatch watch = new PodWatch(podsDir, listener);
    try {
      podsDir.register(watch.files, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
      try (DirectoryStream<Path> pods = Files.newDirectoryStream(podsDir, Files::isDirectory)) {
        for (Path pod : pods) {
          watch.watchPod(pod);
        }
      }
    } catch (IOException | RuntimeException e) {
      watch.close();
      throw e;
    }
    for (Thread t : new Thread[] {watch.fileThread, watch.vmThread}) {
      t.setDaemon(true);
      t.start();
    }
    return watch;
  }

  /**
   * Listens to the pods under {@code podsDir} through the one watch this process has of it,
   * started by the first listener and closed with the last: a second watch would connect to every
   * lifeline again and hear no readiness notice (see above).
   *
   * @return closes this listener's share; idempotent
   */
  static AutoCloseable share(Path podsDir, Consumer<ProviderEvent> listener) throws IOException {
    Path key = podsDir.toAbsolutePath().normalize();
    Shared shared;
    synchronized (SHARED) {
      shared = SHARED.get(key);
      if (shared == null) {
        Shared fresh = new Shared();
        fresh.watch = start(key, event -> fresh.listeners.forEach(l -> {
          try {
            l.accept(event);
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a pod event listener failed on " + event + ": " + e, e);
          }
        }));
        SHARED.put(key, fresh);
        shared = fresh;
      }
      shared.listeners.add(listener);
    }
    Shared mine = shared;
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      synchronized (SHARED) {
        mine.listeners.remove(listener);
        if (mine.listeners.isEmpty() && SHARED.get(key) == mine) {
          SHARED.remove(key);
          mine.watch.close();
        }
      }
    };
  }

  /** How many VMs are watched through their lifeline now (for tests). */
  int lifelines() {
    return lifelines.size();
  }

  @Override
  public void close() {
    closed = true;
    try {
      files.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
    try {
      vms.close(); // deregisters and wakes the selector thread
    } catch (IOException ignored) {
      // nothing left to release
    }
    lifelines.values().forEach(PodWatch::closeQuietly);
    lifelines.clear();
  }

  // ---- records

  private void watchPod(Path dir) {
    String pod = dir.getFileName().toString();
    try {
      WatchKey key = dir.register(files, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
      podOfKey.put(key, pod);
    } catch (IOException e) {
      // Removed between the listing and now: its deletion is an event of pods/ already.
      LOG.log(System.Logger.Level.DEBUG, "cannot watch " + dir + ": " + e);
      return;
    }
    if (Files.exists(dir.resolve(VM_FILE))) {
      lifeline(pod);
    }
  }

  private void watchFiles() {
    while (!closed) {
      WatchKey key;
      try {
        key = files.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      String pod = podOfKey.get(key);
      for (WatchEvent<?> event : key.pollEvents()) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
          // The kernel dropped events: anything may have changed. Pod directories made meanwhile
          // are watched from the next change of pods/ on, or when the watcher's re-read finds them.
          emit(ProviderEvent.anything());
          continue;
        }
        Path name = (Path) event.context();
        if (pod == null) {
          onPodsEntry(name.toString(), event.kind());
        } else {
          onPodEntry(pod, name.toString(), event.kind());
        }
      }
      if (!key.reset()) {
        podOfKey.remove(key); // its directory is gone
      }
    }
  }

  private void onPodsEntry(String pod, WatchEvent.Kind<?> kind) {
    if (kind == StandardWatchEventKinds.ENTRY_CREATE) {
      Path dir = podsDir.resolve(pod);
      if (Files.isDirectory(dir)) {
        watchPod(dir);
      }
    } else {
      dropLifeline(pod);
    }
    emit(new ProviderEvent(pod, Kind.CHANGED));
  }

  private void onPodEntry(String pod, String file, WatchEvent.Kind<?> kind) {
    if (!file.endsWith(".json")) {
      return; // sockets, logs and temporary files come and go with every boot
    }
    if (file.equals(VM_FILE)) {
      if (kind == StandardWatchEventKinds.ENTRY_CREATE) {
        lifeline(pod);
      } else {
        dropLifeline(pod); // stopped, or handed over to another pod, which connects its own
      }
    }
    emit(new ProviderEvent(pod, Kind.CHANGED));
  }

  // ---- VMs

  private void lifeline(String pod) {
    toConnect.add(pod);
    vms.wakeup();
  }

  private void dropLifeline(String pod) {
    SocketChannel channel = lifelines.remove(pod);
    if (channel != null) {
      closeQuietly(channel);
    }
  }

  private void watchVms() {
    ByteBuffer scratch = ByteBuffer.allocate(64);
    try {
      while (!closed) {
        for (String pod; (pod = toConnect.poll()) != null; ) {
          connect(pod);
        }
        vms.select();
        for (SelectionKey key : vms.selectedKeys()) {
          String pod = (String) key.attachment();
          SocketChannel channel = (SocketChannel) key.channel();
          int read = read(channel, scratch);
          if (read < 0) {
            key.cancel();
            closeQuietly(channel);
            lifelines.remove(pod, channel);
            emit(new ProviderEvent(pod, Kind.VM_ENDED));
          } else if (read > 0) {
            emit(new ProviderEvent(pod, Kind.READINESS));
          }
        }
        vms.selectedKeys().clear();
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        LOG.log(System.Logger.Level.WARNING, "the VM watch stopped: " + e, e);
        emit(ProviderEvent.anything());
      }
    }
  }

  private void connect(String pod) throws IOException {
    Path socket = new VmFiles(podsDir.resolve(pod)).lifeline();
    SocketChannel channel;
    try {
      channel = dev.peapod.provider.qemu.runtime.VmSockets.connect(socket);
    } catch (dev.peapod.provider.qemu.runtime.VmSockets.WrongPeerException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": not watched: " + e.getMessage());
      return;
    } catch (IOException e) {
      if (Files.exists(socket)) {
        // Nobody listens on it: the VM has ended already.
        emit(new ProviderEvent(pod, Kind.VM_ENDED));
      }
      // No socket: a VM from before lifelines, or one that is not up yet (its vm.json comes later).
      return;
    }
    channel.configureBlocking(false);
    channel.register(vms, SelectionKey.OP_READ, pod);
    SocketChannel previous = lifelines.put(pod, channel);
    if (previous != null) {
      closeQuietly(previous);
    }
  }

  /**
   * What a readable lifeline holds: -1 when it closed (or failed, which is as good as), else the
   * bytes of readiness notices read now (all there are, so that a burst is one event).
   */
  private static int read(SocketChannel channel, ByteBuffer scratch) {
    int total = 0;
    try {
      for (;;) {
        scratch.clear();
        int n = channel.read(scratch);
        if (n < 0) {
          return -1;
        }
        if (n == 0) {
          return total;
        }
        total += n;
      }
    } catch (IOException e) {
      return -1;
    }
  }

  private void emit(ProviderEvent event) {
    if (closed) {
      return;
    }
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "a pod event listener failed on " + event + ": " + e, e);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
