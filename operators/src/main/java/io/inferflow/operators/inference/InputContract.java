package io.inferflow.operators.inference;

import io.inferflow.model.LoadFailure;
import io.inferflow.model.ModelSignature;
import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.schemas.avro.ModelControl;

/**
 * A model's input contract: what producers send it and consumers read from it. The first version
 * of a model that goes ACTIVE fixes it (input name, float32, input width, output names and
 * per-row shapes, its {@link ModelSignature}); a later version that breaks it is rejected with
 * {@link LoadFailure#INCOMPATIBLE_SIGNATURE} while the version serving keeps serving, unless its
 * control record sets {@code allow_signature_change}, which makes its own signature the contract.
 *
 * <p>The contract is the signature of the version the slot serves. With none serving (after a
 * restore, or when every load so far failed), it is the input name and width the record of the
 * version served last declares ({@link VersionInstaller#lastServed}), where it declares them: so a
 * restart cannot activate a version that was rejected before. After a RETIRE there is no
 * contract: the next version that goes ACTIVE fixes a new one. Used on the task thread only.
 */
final class InputContract {

    private InputContract() {}

    /**
     * Why {@code loaded}'s version cannot replace what {@code slot} serves, as a rejection reason
     * ({@code INCOMPATIBLE_SIGNATURE: model 'fraud' v7 takes 8 features, v3 serving now takes
     * 16}); null when it keeps the contract, its record allows the change, or there is no
     * contract yet.
     *
     * @param loaded a successful load of the slot's model
     * @param lastServed the record of the version last made active, null when none
     */
    static String violation(ModelSlot slot, LoadResult loaded, ModelControl lastServed) {
        ModelControl control = loaded.control();
        if (Boolean.TRUE.equals(control.getAllowSignatureChange())) {
            return null;
        }
        Scorer scorer = loaded.handle().scorer();
        ModelSignature signature = scorer.signature();
        String label = "model " + ModelControls.label(control);
        String why;
        if (slot.active != null) {
            Scorer serving = slot.active.scorer;
            String servingLabel = "v" + slot.active.control.getVersion() + " serving now";
            if (signature != null && serving.signature() != null) {
                why = signature.incompatibility(label, serving.signature(), servingLabel);
            } else {
                // A scorer that does not know its signature (a fake) still knows its width.
                why = ModelSignature.inputIncompatibility(
                        label, inputName(scorer), scorer.inputWidth(),
                        servingLabel, inputName(serving), serving.inputWidth());
            }
        } else if (lastServed != null) {
            why = ModelSignature.inputIncompatibility(
                    label, inputName(scorer), scorer.inputWidth(),
                    "v" + lastServed.getVersion() + " served last",
                    lastServed.getInputName(), lastServed.getInputWidth());
        } else {
            return null;
        }
        return why == null ? null : LoadFailure.INCOMPATIBLE_SIGNATURE + ": " + why;
    }

    private static String inputName(Scorer scorer) {
        ModelSignature signature = scorer.signature();
        return signature == null ? null : signature.inputName();
    }
}
