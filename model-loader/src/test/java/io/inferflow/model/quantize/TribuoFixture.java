package io.inferflow.model.quantize;

import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LogisticRegressionTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.Random;

/**
 * A model as Tribuo's exporter writes it: logistic regression trained with Tribuo's SGD on a
 * synthetic 8-feature task (label "pos" when {@code x0 + 2 x1 - x2 > 0}), exported with
 * {@code exportONNXModel}.
 */
final class TribuoFixture {

    static final int FEATURES = 8;

    private TribuoFixture() {}

    static byte[] logisticRegression(long seed) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data =
                new MutableDataset<>(new SimpleDataSourceProvenance("synthetic", factory), factory);
        String[] names = new String[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            names[i] = String.format("f%02d", i);
        }
        Random r = new Random(seed);
        for (int n = 0; n < 1000; n++) {
            double[] x = new double[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                x[i] = r.nextGaussian();
            }
            String label = x[0] + 2 * x[1] - x[2] > 0 ? "pos" : "neg";
            data.add(new ArrayExample<>(new Label(label), names, x));
        }
        LinearSGDModel model = new LogisticRegressionTrainer().train(data);
        return model.exportONNXModel("io.inferflow.test", 1).toByteArray();
    }
}
