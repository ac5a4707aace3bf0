package io.inferflow.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One session per model version per JVM, shared by every slot that serves that version, with
 * reference counting: the first {@link #acquire} loads, later ones share the session, and the
 * last {@link Lease#close()} closes it.
 *
 * <pre>{@code
 * try (SharedModels.Lease lease = SharedModels.acquire(descriptor, loader)) {
 *     float[] scores = lease.model().score(rows, 64);
 * }
 * }</pre>
 *
 * <p>Why a JVM-wide static registry, which this project otherwise avoids: DESIGN.md asks for one
 * session per model version per TaskManager JVM, shared by its slots (ONNX Runtime's
 * {@code run} is thread-safe, and a session's weights can be hundreds of MB). Slots of one
 * TaskManager share nothing but the JVM and its class loader: Flink has no TaskManager-scoped
 * service hook an operator could ask for a shared object. A static registry scoped by the
 * class loader is the one place they meet. Reference counting keeps it honest: nothing stays
 * loaded after its last user has closed its lease, so a job that ends leaves no session behind.
 *
 * <p>Sessions are keyed by (name, version, sha256, requested device): a descriptor that names the
 * same version with other bytes gets its own session, and so does a loader whose {@link
 * RuntimeSettings#deviceKey() device} differs ({@code inference.device} {@code cpu} vs {@code auto}
 * or {@code cuda}, or another CUDA device id), because the execution provider is fixed when the
 * session is created. Other runtime options (intra-op threads) are the first acquirer's. The first acquirer's loader and policy load the
 * session; acquirers of the same key that arrive while it loads wait for it and share its
 * outcome, so concurrent acquires load once. A failed load is not remembered once every waiter
 * has seen it: the next acquire tries again. Thread-safe.
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    /** Guarded by itself; entries leave it when their last lease closes. */
    private static final Map<Key, Entry> ENTRIES = new HashMap<>();

    private SharedModels() {}

    /**
     * A lease on the session of {@code d}'s version, loading it with {@code loader} unless it is
     * already loaded or loading. Throws the load's {@link ModelException} if it fails.
     */
    public static Lease acquire(ModelDescriptor d, ModelLoader loader) throws ModelException {
        Key key =
                new Key(d.name(), d.version(), d.sha256(), loader.policy().runtime().deviceKey());
        Entry entry;
        synchronized (ENTRIES) {
            entry = ENTRIES.computeIfAbsent(key, Entry::new);
            entry.references++;
        }
        try {
            return new Lease(entry, entry.get(d, loader));
        } catch (ModelException | RuntimeException e) {
            release(entry);
            throw e;
        }
    }

    /** Number of sessions loaded and not yet closed, across all models and versions. */
    public static int openSessions() {
        synchronized (ENTRIES) {
            int open = 0;
            for (Entry entry : ENTRIES.values()) {
                open += entry.model != null ? 1 : 0;
            }
            return open;
        }
    }

    private static void release(Entry entry) {
        LoadedModel toClose = null;
        synchronized (ENTRIES) {
            entry.references--;
            if (entry.references == 0) {
                ENTRIES.remove(entry.key, entry);
                toClose = entry.model;
                entry.model = null;
            }
        }
        if (toClose != null) {
            // Outside the lock: closing a large session takes a while and blocks nobody else.
            toClose.close();
            LOG.debug("closed the shared session of {}", toClose.descriptor());
        }
    }

    /** A reference to a shared session; closing the last lease of a version closes it. */
    public static final class Lease implements AutoCloseable {

        private final Entry entry;
        private final LoadedModel model;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Entry entry, LoadedModel model) {
            this.entry = entry;
            this.model = model;
        }

        /** The shared model; do not close it, close the lease. */
        public LoadedModel model() {
            if (closed.get()) {
                throw new IllegalStateException("the lease on " + model.descriptor()
                        + " is closed; acquire a new one");
            }
            return model;
        }

        /** Idempotent: only the first call releases the reference. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(entry);
            }
        }
    }

    private static final class Key {
        final String name;
        final long version;
        final String sha256;
        final String device;

        Key(String name, long version, String sha256, String device) {
            this.name = name;
            this.version = version;
            this.sha256 = sha256;
            this.device = device;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return version == k.version
                    && name.equals(k.name)
                    && sha256.equals(k.sha256)
                    && device.equals(k.device);
        }

        @Override
        public int hashCode() {
            return ((name.hashCode() * 31 + Long.hashCode(version)) * 31 + sha256.hashCode()) * 31
                    + device.hashCode();
        }
    }

    private static final class Entry {
        final Key key;
        /** Guarded by ENTRIES. */
        int references;
        /** Written under this entry's lock, cleared under ENTRIES when the last lease closes. */
        volatile LoadedModel model;
        /** Set under this entry's lock; waiters that arrive after a failed load see it. */
        ModelException failure;

        Entry(Key key) {
            this.key = key;
        }

        /** Loads once; callers holding a reference wait here while another one loads. */
        synchronized LoadedModel get(ModelDescriptor d, ModelLoader loader)
                throws ModelException {
            if (model != null) {
                return model;
            }
            if (failure != null) {
                throw new ModelException(failure.reason(), failure.getMessage(), failure);
            }
            try {
                model = loader.load(d);
                return model;
            } catch (ModelException e) {
                failure = e;
                throw e;
            }
        }
    }
}
