package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.decode.RawRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;

/**
 * The waiting events in the inference operator's state are a Flink POJO whose fields are Avro
 * records, POJOs and primitives, so that the state evolves by Flink's POJO rules (fields added or
 * removed) and the feature event inside by Avro's; none of it falls back to Kryo
 * (docs/reference/state.md).
 */
class WaitingEventTypeTest {

    @Test
    void waitingEventIsAPojoOfAvroAndPojoFieldsWithoutGenericTypes() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);

        TypeInformation<WaitingEvent> waiting = TypeInformation.of(WaitingEvent.class);
        TypeSerializer<WaitingEvent> serializer = waiting.createSerializer(noKryo);

        assertInstanceOf(PojoSerializer.class, serializer);
        PojoTypeInfo<?> pojo = assertInstanceOf(PojoTypeInfo.class, waiting);
        PojoTypeInfo<?> event = assertInstanceOf(PojoTypeInfo.class,
                pojo.getTypeAt(pojo.getFieldIndex("event")));
        assertEquals(DecodedEvent.class, event.getTypeClass());
        assertInstanceOf(AvroTypeInfo.class, event.getTypeAt(event.getFieldIndex("event")));
        PojoTypeInfo<?> source = assertInstanceOf(PojoTypeInfo.class,
                event.getTypeAt(event.getFieldIndex("source")));
        assertEquals(RawRecord.class, source.getTypeClass());
    }
}
