package io.inferflow.model;

import ai.onnx.proto.OnnxMl;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random models in exactly the graph shapes that skl2onnx writes for scikit-learn estimators
 * (operators of the {@code ai.onnx.ml} domain, skl2onnx's input and output names), for tests,
 * examples and benchmarks. Each is random: the trees' features, thresholds and leaves, the
 * linear model's weights; what matters is the shape, which is what a loader must handle.
 *
 * <ul>
 *   <li>{@link #forestClassifier}: {@code RandomForestClassifier}: {@code TreeEnsembleClassifier}
 *       (leaf class weights = class share / trees, {@code post_transform NONE}), then {@code
 *       Cast} (or {@code Identity} for string labels) to {@code output_label} and {@code ZipMap}
 *       to {@code output_probability} = seq(map(label, float)); with {@code zipMap=false}
 *       (skl2onnx's {@code options={'zipmap': False}}) {@code output_probability} is float
 *       {@code [N, classes]}.
 *   <li>{@link #boostedRegressor}: {@code GradientBoostingRegressor}: {@code
 *       TreeEnsembleRegressor} ({@code aggregate_function SUM}, {@code base_values} = the initial
 *       prediction, leaf weights scaled by the learning rate), output {@code variable} float
 *       {@code [N, 1]}.
 *   <li>{@link #boostedClassifier}: binary {@code GradientBoostingClassifier} (skl2onnx, and
 *       LightGBM as onnxmltools writes it) or XGBoost's classifier (onnxmltools):
 *       {@code TreeEnsembleClassifier} with {@code post_transform LOGISTIC}.
 *   <li>{@link #logisticRegression}: binary {@code LogisticRegression}: {@code LinearClassifier}
 *       (coefficients {@code [-w, w]}, intercepts {@code [-b, b]}, {@code post_transform
 *       LOGISTIC}), {@code Normalizer} (L1), then {@code Cast} and {@code ZipMap}.
 * </ul>
 *
 * <ul>
 *   <li>{@link #columnTransformer}: a {@code ColumnTransformer} pipeline with two inputs, a
 *       float32 group and a string or int64 category one-hot-encoded by the graph.
 * </ul>
 *
 * Input: {@code float_input} float {@code [N, features]}, as skl2onnx names it by default (the
 * column transformer: {@code num} and {@code cat}).
 */
public final class ExporterModels {

    /** skl2onnx's default input name. */
    public static final String INPUT = "float_input";

    private static final String ML = "ai.onnx.ml";

    private ExporterModels() {}

    /**
     * A random forest classifier.
     *
     * @param classes the class labels: {@code Long}s (int64 labels) or {@code String}s
     * @param zipMap whether probabilities are a ZipMap (skl2onnx's default) or a tensor
     */
    public static byte[] forestClassifier(
            long seed, int features, List<?> classes, int trees, int depth, boolean zipMap) {
        Random random = new Random(seed);
        boolean strings = classes.get(0) instanceof String;
        int nClasses = classes.size();
        Attributes a = new Attributes();
        Leaves leaves = new Leaves("class");
        for (int t = 0; t < trees; t++) {
            for (long leaf : a.addTree(random, t, features, depth)) {
                double[] share = new double[nClasses];
                double total = 0;
                for (int c = 0; c < nClasses; c++) {
                    share[c] = random.nextDouble() * random.nextDouble();
                    total += share[c];
                }
                for (int c = 0; c < nClasses; c++) {
                    leaves.add(t, leaf, c, (float) (share[c] / total / trees));
                }
            }
        }
        OnnxMl.NodeProto.Builder ensemble = node("TreeEnsembleClassifier", ML,
                List.of(INPUT), List.of("label", "probabilities"));
        a.addTo(ensemble);
        leaves.addTo(ensemble);
        ensemble.addAttribute(labels(classes))
                .addAttribute(string("post_transform", "NONE"));
        return classifierGraph("forest", ensemble.build(), classes, features, zipMap, strings);
    }

    /**
     * A binary gradient-boosted classifier over classes 0 and 1: a {@code TreeEnsembleClassifier}
     * whose leaves all weigh class 0, with a base value and {@code post_transform LOGISTIC}
     * (ONNX Runtime returns [1 - p, p]).
     *
     * @param onnxmltools the XGBoost form onnxmltools writes (the ensemble's own outputs {@code
     *     label} and {@code probabilities} float [N, 2] are the graph's outputs); otherwise
     *     skl2onnx's {@code GradientBoostingClassifier} form ({@code Cast} to {@code
     *     output_label}, {@code ZipMap} to {@code output_probability}), which is also how
     *     onnxmltools writes LightGBM's binary classifier
     */
    public static byte[] boostedClassifier(
            long seed, int features, int trees, int depth, boolean onnxmltools) {
        Random random = new Random(seed);
        Attributes a = new Attributes();
        Leaves leaves = new Leaves("class");
        for (int t = 0; t < trees; t++) {
            for (long leaf : a.addTree(random, t, features, depth)) {
                leaves.add(t, leaf, 0, (float) random.nextGaussian() * 0.3f);
            }
        }
        OnnxMl.NodeProto.Builder ensemble = node("TreeEnsembleClassifier", ML,
                List.of(INPUT), List.of("label", "probabilities"));
        a.addTo(ensemble);
        leaves.addTo(ensemble);
        ensemble.addAttribute(ints("classlabels_int64s", List.of(0L, 1L)))
                .addAttribute(floats("base_values", List.of((float) random.nextGaussian() * 0.2f)))
                .addAttribute(string("post_transform", "LOGISTIC"));
        if (!onnxmltools) {
            return classifierGraph("boosted_classifier", ensemble.build(), List.of(0L, 1L),
                    features, true, false);
        }
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("xgboost_classifier")
                .addInput(tensor(INPUT, OnnxMl.TensorProto.DataType.FLOAT, features))
                .addNode(ensemble)
                .addOutput(tensor("label", OnnxMl.TensorProto.DataType.INT64))
                .addOutput(tensor("probabilities", OnnxMl.TensorProto.DataType.FLOAT, 2))
                .build();
        return model(graph);
    }

    /** A gradient-boosted regressor: the sum of {@code trees} trees plus a base value. */
    public static byte[] boostedRegressor(long seed, int features, int trees, int depth) {
        Random random = new Random(seed);
        Attributes a = new Attributes();
        Leaves leaves = new Leaves("target");
        float learningRate = 0.1f;
        for (int t = 0; t < trees; t++) {
            for (long leaf : a.addTree(random, t, features, depth)) {
                leaves.add(t, leaf, 0, (float) random.nextGaussian() * learningRate);
            }
        }
        OnnxMl.NodeProto.Builder ensemble = node("TreeEnsembleRegressor", ML,
                List.of(INPUT), List.of("variable"));
        a.addTo(ensemble);
        leaves.addTo(ensemble);
        ensemble
                .addAttribute(integer("n_targets", 1))
                .addAttribute(floats("base_values", List.of((float) random.nextGaussian())))
                .addAttribute(string("aggregate_function", "SUM"))
                .addAttribute(string("post_transform", "NONE"));
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("boosted_regressor")
                .addInput(tensor(INPUT, OnnxMl.TensorProto.DataType.FLOAT, features))
                .addOutput(tensor("variable", OnnxMl.TensorProto.DataType.FLOAT, 1))
                .addNode(ensemble)
                .build();
        return model(graph);
    }

    /** A binary logistic regression over classes 0 and 1, with ZipMap probabilities. */
    public static byte[] logisticRegression(long seed, int features) {
        Random random = new Random(seed);
        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder()
                .setName("logistic_regression")
                .addInput(tensor(INPUT, OnnxMl.TensorProto.DataType.FLOAT, features));
        addLogisticRegression(graph, random, INPUT, features);
        finishClassifier(graph, List.of(0L, 1L), true, false);
        return model(graph.build());
    }

    /**
     * A {@code Pipeline([ColumnTransformer([('num', StandardScaler(), ...), ('cat',
     * OneHotEncoder(handle_unknown='ignore'), ...)]), LogisticRegression()])} exported with one
     * initial type per column group, as skl2onnx writes it: input {@code num} float {@code [N,
     * numeric]} through a {@code Scaler}; input {@code cat} {@code [N, 1]}, string or int64 as
     * {@code categories} are, through {@code OneHotEncoder} ({@code zeros=1}: an unknown category
     * is all zeros; an int64 input is {@code Cast} to int64 first), {@code Concat} and {@code
     * Reshape} to {@code [N, categories]}; the groups {@code Concat}enated on axis 1 into the
     * logistic regression of {@link #logisticRegression}, with ZipMap probabilities.
     *
     * @param categories the categories the encoder knows: {@code String}s or {@code Long}s
     */
    public static byte[] columnTransformer(long seed, int numeric, List<?> categories) {
        Random random = new Random(seed);
        boolean strings = categories.get(0) instanceof String;
        OnnxMl.TensorProto.DataType catType = strings
                ? OnnxMl.TensorProto.DataType.STRING : OnnxMl.TensorProto.DataType.INT64;
        List<Float> offsets = new ArrayList<>();
        List<Float> scales = new ArrayList<>();
        for (int i = 0; i < numeric; i++) {
            offsets.add((float) random.nextGaussian());
            scales.add(0.5f + random.nextFloat());
        }
        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder()
                .setName("pipeline_column_transformer")
                .addInput(tensor(NUMERIC_INPUT, OnnxMl.TensorProto.DataType.FLOAT, numeric))
                .addInput(tensor(CATEGORY_INPUT, catType, 1))
                .addNode(node("Scaler", ML, List.of(NUMERIC_INPUT), List.of("variable"))
                        .addAttribute(floats("offset", offsets))
                        .addAttribute(floats("scale", scales)));
        String encoded = CATEGORY_INPUT;
        if (!strings) {
            graph.addNode(node("Cast", "", List.of(CATEGORY_INPUT), List.of("catcast"))
                    .setName("Cast1")
                    .addAttribute(integer("to", OnnxMl.TensorProto.DataType.INT64.getNumber())));
            encoded = "catcast";
        }
        graph.addNode(node("OneHotEncoder", ML, List.of(encoded), List.of("catout"))
                        .addAttribute(strings ? strings("cats_strings", categories)
                                : ints("cats_int64s", longs(categories)))
                        .addAttribute(integer("zeros", 1)))
                .addNode(node("Concat", "", List.of("catout"), List.of("concat_result"))
                        .addAttribute(integer("axis", -1)))
                .addInitializer(OnnxMl.TensorProto.newBuilder().setName("shape_tensor")
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .addDims(2).addInt64Data(-1).addInt64Data(categories.size()))
                .addNode(node("Reshape", "", List.of("concat_result", "shape_tensor"),
                        List.of("variable1")))
                .addNode(node("Concat", "", List.of("variable", "variable1"),
                        List.of("transformed_column"))
                        .setName("Concat1")
                        .addAttribute(integer("axis", 1)));
        addLogisticRegression(graph, random, "transformed_column", numeric + categories.size());
        finishClassifier(graph, List.of(0L, 1L), true, false);
        return model(graph.build());
    }

    /** The numeric input of {@link #columnTransformer}. */
    public static final String NUMERIC_INPUT = "num";

    /** The categorical input of {@link #columnTransformer}. */
    public static final String CATEGORY_INPUT = "cat";

    /**
     * skl2onnx's binary {@code LogisticRegression} on {@code input}: {@code LinearClassifier}
     * (coefficients {@code [-w, w]}, intercepts {@code [-b, b]}, LOGISTIC) to {@code label} and
     * {@code probability_tensor}, then an L1 {@code Normalizer} to {@code probabilities}.
     */
    private static void addLogisticRegression(
            OnnxMl.GraphProto.Builder graph, Random random, String input, int features) {
        List<Float> coefficients = new ArrayList<>();
        float[] w = new float[features];
        for (int i = 0; i < features; i++) {
            w[i] = (float) random.nextGaussian() * 0.5f;
        }
        for (float v : w) {
            coefficients.add(-v);
        }
        for (float v : w) {
            coefficients.add(v);
        }
        float b = (float) random.nextGaussian() * 0.1f;
        graph.addNode(node("LinearClassifier", ML, List.of(input),
                        List.of("label", "probability_tensor"))
                .addAttribute(floats("coefficients", coefficients))
                .addAttribute(floats("intercepts", List.of(-b, b)))
                .addAttribute(ints("classlabels_ints", List.of(0L, 1L)))
                .addAttribute(integer("multi_class", 0))
                .addAttribute(string("post_transform", "LOGISTIC")));
        graph.addNode(node("Normalizer", ML, List.of("probability_tensor"),
                        List.of("probabilities"))
                .addAttribute(string("norm", "L1")));
    }

    // --- graph pieces

    private static byte[] classifierGraph(String name, OnnxMl.NodeProto estimator,
            List<?> classes, int features, boolean zipMap, boolean strings) {
        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder()
                .setName(name)
                .addInput(tensor(INPUT, OnnxMl.TensorProto.DataType.FLOAT, features))
                .addNode(estimator);
        finishClassifier(graph, classes, zipMap, strings);
        return model(graph.build());
    }

    /** skl2onnx's tail: {@code label} to {@code output_label}, probabilities to ZipMap or not. */
    private static void finishClassifier(OnnxMl.GraphProto.Builder graph, List<?> classes,
            boolean zipMap, boolean strings) {
        if (strings) {
            graph.addNode(node("Identity", "", List.of("label"), List.of("output_label")));
            graph.addOutput(tensor("output_label", OnnxMl.TensorProto.DataType.STRING));
        } else {
            graph.addNode(node("Cast", "", List.of("label"), List.of("output_label"))
                    .addAttribute(integer("to", OnnxMl.TensorProto.DataType.INT64.getNumber())));
            graph.addOutput(tensor("output_label", OnnxMl.TensorProto.DataType.INT64));
        }
        if (zipMap) {
            OnnxMl.NodeProto.Builder zip = node("ZipMap", ML, List.of("probabilities"),
                    List.of("output_probability"));
            zip.addAttribute(strings ? strings("classlabels_strings", classes)
                    : ints("classlabels_int64s", longs(classes)));
            graph.addNode(zip);
            graph.addOutput(zipMapOutput("output_probability", strings));
        } else {
            graph.addNode(node("Identity", "", List.of("probabilities"),
                    List.of("output_probability")));
            graph.addOutput(tensor("output_probability", OnnxMl.TensorProto.DataType.FLOAT,
                    classes.size()));
        }
    }

    private static byte[] model(OnnxMl.GraphProto graph) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("skl2onnx")
                .setProducerVersion("1.17.0")
                .setDomain("ai.onnx")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(15))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(ML).setVersion(1))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    /** The node attributes of the trees of an ensemble, full binary trees of a given depth. */
    private static final class Attributes {
        final List<Long> treeIds = new ArrayList<>();
        final List<Long> nodeIds = new ArrayList<>();
        final List<Long> featureIds = new ArrayList<>();
        final List<String> modes = new ArrayList<>();
        final List<Float> values = new ArrayList<>();
        final List<Long> trueIds = new ArrayList<>();
        final List<Long> falseIds = new ArrayList<>();
        final List<Float> hitRates = new ArrayList<>();
        final List<Long> missingTrue = new ArrayList<>();

        /** Adds tree {@code t}; returns its leaves' node ids. */
        List<Long> addTree(Random random, int t, int features, int depth) {
            List<Long> leaves = new ArrayList<>();
            long nodes = (1L << (depth + 1)) - 1;
            for (long id = 0; id < nodes; id++) {
                boolean leaf = id >= (1L << depth) - 1;
                treeIds.add((long) t);
                nodeIds.add(id);
                featureIds.add(leaf ? 0L : random.nextInt(features));
                modes.add(leaf ? "LEAF" : "BRANCH_LEQ");
                values.add(leaf ? 0f : (float) (random.nextGaussian() * 0.8));
                trueIds.add(leaf ? 0L : 2 * id + 1);
                falseIds.add(leaf ? 0L : 2 * id + 2);
                hitRates.add(1f);
                missingTrue.add(0L);
                if (leaf) {
                    leaves.add(id);
                }
            }
            return leaves;
        }

        void addTo(OnnxMl.NodeProto.Builder node) {
            node.addAttribute(ints("nodes_treeids", treeIds))
                    .addAttribute(ints("nodes_nodeids", nodeIds))
                    .addAttribute(ints("nodes_featureids", featureIds))
                    .addAttribute(strings("nodes_modes", modes))
                    .addAttribute(floats("nodes_values", values))
                    .addAttribute(ints("nodes_truenodeids", trueIds))
                    .addAttribute(ints("nodes_falsenodeids", falseIds))
                    .addAttribute(floats("nodes_hitrates", hitRates))
                    .addAttribute(ints("nodes_missing_value_tracks_true", missingTrue));
        }
    }

    /** The leaves' weights: {@code class_*} or {@code target_*} tree, node, id and weight. */
    private static final class Leaves {
        final String prefix;
        final List<Long> trees = new ArrayList<>();
        final List<Long> nodes = new ArrayList<>();
        final List<Long> ids = new ArrayList<>();
        final List<Float> weights = new ArrayList<>();

        Leaves(String prefix) {
            this.prefix = prefix;
        }

        void add(int tree, long node, int id, float weight) {
            trees.add((long) tree);
            nodes.add(node);
            ids.add((long) id);
            weights.add(weight);
        }

        void addTo(OnnxMl.NodeProto.Builder node) {
            node.addAttribute(ints(prefix + "_treeids", trees))
                    .addAttribute(ints(prefix + "_nodeids", nodes))
                    .addAttribute(ints(prefix + "_ids", ids))
                    .addAttribute(floats(prefix + "_weights", weights));
        }
    }

    private static OnnxMl.NodeProto.Builder node(
            String op, String domain, List<String> inputs, List<String> outputs) {
        OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder()
                .setOpType(op)
                .setName(op)
                .setDomain(domain);
        inputs.forEach(node::addInput);
        outputs.forEach(node::addOutput);
        return node;
    }

    private static OnnxMl.AttributeProto labels(List<?> classes) {
        return classes.get(0) instanceof String
                ? strings("classlabels_strings", classes)
                : ints("classlabels_int64s", longs(classes));
    }

    private static List<Long> longs(List<?> values) {
        List<Long> out = new ArrayList<>();
        for (Object v : values) {
            out.add(((Number) v).longValue());
        }
        return out;
    }

    private static OnnxMl.AttributeProto ints(String name, List<Long> values) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(values).build();
    }

    private static OnnxMl.AttributeProto floats(String name, List<Float> values) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOATS).addAllFloats(values)
                .build();
    }

    private static OnnxMl.AttributeProto strings(String name, List<?> values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.STRINGS);
        for (Object v : values) {
            a.addStrings(com.google.protobuf.ByteString.copyFromUtf8(v.toString()));
        }
        return a.build();
    }

    private static OnnxMl.AttributeProto string(String name, String value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    private static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A tensor value info {@code [N]} or, with a per-row width, {@code [N, width]}. */
    private static OnnxMl.ValueInfoProto tensor(
            String name, OnnxMl.TensorProto.DataType type, int... width) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int w : width) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(w));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    private static OnnxMl.ValueInfoProto zipMapOutput(String name, boolean strings) {
        OnnxMl.TypeProto value = OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())).build();
        OnnxMl.TypeProto map = OnnxMl.TypeProto.newBuilder().setMapType(
                OnnxMl.TypeProto.Map.newBuilder()
                        .setKeyType((strings ? OnnxMl.TensorProto.DataType.STRING
                                : OnnxMl.TensorProto.DataType.INT64).getNumber())
                        .setValueType(value)).build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setSequenceType(
                        OnnxMl.TypeProto.Sequence.newBuilder().setElemType(map)))
                .build();
    }
}
