package dev.orders.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy on a local port that can stop passing bytes without closing anything: a peer that went silent (a pooler
 * gone from the network, a black-holed route), which no process signal or lock on the stack imitates. Connections
 * made while stalled are accepted and stall too. Why by hand: a few lines of sockets; no library here does it.
 */
public final class StallingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String host;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch flowing = new CountDownLatch(0);

    private StallingProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("stalling-proxy-accept").start(this::accept);
    }

    /** A proxy to {@code host:port}, passing bytes until {@link #stall()}. */
    public static StallingProxy to(String host, int port) {
        try {
            return new StallingProxy(host, port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The local port to connect to instead of the target's. */
    public int port() {
        return server.getLocalPort();
    }

    /** From now on no byte passes, either way, until {@link #resume()}. */
    public void stall() {
        if (flowing.getCount() == 0) {
            flowing = new CountDownLatch(1);
        }
    }

    /** Passes bytes again, those held back first. */
    public void resume() {
        flowing.countDown();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(host, port);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0;) {
                flowing.await();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // either side closed: close the other (below)
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        resume();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(StallingProxy::close);
    }
}
