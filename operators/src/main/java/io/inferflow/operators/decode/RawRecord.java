package io.inferflow.operators.decode;

/**
 * A Kafka record as read, before decoding: the bytes plus where they came from, so that a record
 * that cannot be decoded reaches the dead-letter topic unchanged. A Flink POJO.
 */
public class RawRecord {

    public String topic;
    public int partition;
    public long offset;
    /** The Kafka record timestamp (epoch millis). */
    public long timestamp;

    public byte[] key;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " (" + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
