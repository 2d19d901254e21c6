package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StreamBufferTest {

  @Test
  void keepsAtMostItsLimitUnreadThenFailsTheReaderOnceDrained() throws IOException {
    AtomicInteger overflows = new AtomicInteger();
    StreamBuffer buffer = new StreamBuffer(10, "too much", overflows::incrementAndGet);
    buffer.write(new byte[] {1, 2, 3, 4, 5, 6});
    buffer.write(new byte[] {7, 8, 9, 10});
    buffer.write(new byte[] {11});
    buffer.write(new byte[] {12});
    assertEquals(10, buffer.queued());
    assertEquals(1, overflows.get(), "told once");
    byte[] kept = new byte[10];
    assertEquals(10, buffer.readNBytes(kept, 0, 10));
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, kept);
    IOException e = assertThrows(IOException.class, buffer::read);
    assertEquals("too much", e.getMessage());
  }

  @Test
  void readingMakesRoomAgain() throws IOException {
    AtomicInteger overflows = new AtomicInteger();
    StreamBuffer buffer = new StreamBuffer(4, "too much", overflows::incrementAndGet);
    for (int round = 0; round < 100; round++) {
      buffer.write(new byte[] {1, 2, 3});
      assertEquals(1, buffer.read());
      buffer.write(new byte[] {4, 5}); // fits only because one byte was read
      assertEquals(4, buffer.queued());
      assertEquals(2, buffer.read());
      assertEquals(3, buffer.read());
      assertEquals(4, buffer.read());
      assertEquals(5, buffer.read());
    }
    assertEquals(0, overflows.get());
    buffer.finish();
    assertEquals(-1, buffer.read());
  }

  @Test
  void aWaitingReaderIsWokenByTheOverflow() throws Exception {
    StreamBuffer buffer = new StreamBuffer(2, "dropped", () -> {});
    Thread writer = new Thread(() -> buffer.write(new byte[] {1, 2, 3}));
    writer.start();
    IOException e = assertThrows(IOException.class, buffer::read);
    assertTrue(e.getMessage().contains("dropped"));
    writer.join();
  }
}
