package io.inferflow.jobs;

import io.inferflow.jobs.local.LocalSettings.ModelArg;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeOptions;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.inference.BatchingOptions;
import io.inferflow.operators.inference.IdentityScorerFactory;
import io.inferflow.operators.inference.MicroBatchInferenceOperator;
import io.inferflow.operators.inference.ModelSpec;
import io.inferflow.operators.inference.OnnxScorerFactory;
import io.inferflow.operators.inference.ScorerFactory;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the inference operator from {@link InferenceOptions}. */
public final class InferenceOperators {

    private InferenceOperators() {}

    public static MicroBatchInferenceOperator fromConfig(Configuration conf) {
        List<ModelSpec> models = models(conf);
        BatchingOptions batching =
                BatchingOptions.builder()
                        .maxSize(conf.get(InferenceOptions.BATCH_MAX_SIZE))
                        .maxDelay(conf.get(InferenceOptions.BATCH_MAX_DELAY))
                        .nonFinitePolicy(conf.get(InferenceOptions.NON_FINITE_FEATURES))
                        .build();
        return new MicroBatchInferenceOperator(models, scorers(conf, models), batching);
    }

    /** The models of {@code inference.models}; fails naming the option when there are none. */
    public static List<ModelSpec> models(Configuration conf) {
        List<String> entries = conf.getOptional(InferenceOptions.MODELS).orElse(List.of());
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(
                    "no model to serve: set " + InferenceOptions.MODELS.key()
                            + " (e.g. 'fraud=/models/fraud.onnx')");
        }
        List<ModelSpec> specs = new ArrayList<>();
        for (String entry : entries) {
            ModelArg arg = ModelArg.parse(entry);
            specs.add(ModelSpec.of(arg.name(), arg.version(), arg.file().toString()));
        }
        return specs;
    }

    private static ScorerFactory scorers(Configuration conf, List<ModelSpec> models) {
        if (conf.get(InferenceOptions.ENGINE) == InferenceOptions.Engine.IDENTITY) {
            try (OnnxModel model = inspect(models.get(0))) {
                return new IdentityScorerFactory(model.inputWidth(), model.outputWidth());
            }
        }
        return new OnnxScorerFactory(
                RuntimeOptions.withIntraOpThreads(conf.get(InferenceOptions.INTRA_OP_THREADS)));
    }

    /** The pass-through engine mimics the first model's widths. */
    private static OnnxModel inspect(ModelSpec spec) {
        try {
            return OnnxModel.load(
                    spec.name(), Files.readAllBytes(Path.of(spec.uri())), RuntimeOptions.defaults());
        } catch (IOException | ModelException e) {
            throw new IllegalArgumentException(
                    "model '" + spec.name() + "': cannot read " + spec.uri() + ": "
                            + e.getMessage(), e);
        }
    }
}
