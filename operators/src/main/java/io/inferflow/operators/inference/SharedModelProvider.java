package io.inferflow.operators.inference;

import io.inferflow.model.LoaderPolicy;
import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.ModelException;
import io.inferflow.model.ModelLoader;
import io.inferflow.model.Scorer;
import io.inferflow.model.SharedModels;

import java.util.List;
import java.util.Objects;

/**
 * The production {@link ModelProvider}: fetches, verifies and warms up model versions with a
 * {@link ModelLoader} under {@code policy}, sharing one session per version per JVM through
 * {@link SharedModels} (slots of a TaskManager that serve the same version hold leases on one
 * session; the last lease closed frees it). Besides the loader's built-in {@code file} and
 * {@code http(s)}, every Flink FileSystem scheme the cluster has a plugin for is read through
 * {@link FlinkFileSystemSource}.
 *
 * <pre>{@code
 * ModelProvider provider = new SharedModelProvider(
 *         LoaderPolicy.builder().addAllowedUriRoot("s3://models/").trustKey(key).build());
 * }</pre>
 */
public final class SharedModelProvider implements ModelProvider {

    private static final long serialVersionUID = 1L;

    private final LoaderPolicy policy;

    private transient volatile ModelLoader loader;

    public SharedModelProvider(LoaderPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public ModelHandle acquire(ModelDescriptor descriptor) throws ModelException {
        return new LeaseHandle(SharedModels.acquire(descriptor, loader()));
    }

    @Override
    public byte[] fetch(String label, String uri) throws ModelException {
        return loader().fetch(label, uri);
    }

    private ModelLoader loader() {
        ModelLoader current = loader;
        if (current == null) {
            synchronized (this) {
                current = loader;
                if (current == null) {
                    current = new ModelLoader(policy, List.of(new FlinkFileSystemSource()));
                    loader = current;
                }
            }
        }
        return current;
    }

    @Override
    public String toString() {
        return "SharedModelProvider{" + policy + '}';
    }

    /** A lease on a shared session; closing it releases the lease (idempotent). */
    private static final class LeaseHandle implements ModelHandle {

        private final SharedModels.Lease lease;

        LeaseHandle(SharedModels.Lease lease) {
            this.lease = lease;
        }

        @Override
        public Scorer scorer() {
            return lease.model();
        }

        @Override
        public long loadMillis() {
            return lease.model().loadMillis();
        }

        @Override
        public void close() {
            lease.close();
        }
    }
}
