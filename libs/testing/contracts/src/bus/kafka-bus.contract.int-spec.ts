import { describeEventBusContract } from './bus.contract';
import { startKafkaBusUnderTest } from './kafka-bus.harness';

// The Kafka-only fault scenarios run in kafka-bus.faults.int-spec.ts, a file of their own, so
// jest can run them beside this one: both mostly wait on the mock's group coordinator.
describeEventBusContract('Kafka (kafkajs on the librdkafka mock cluster)', startKafkaBusUnderTest, {
  deliveryTimeoutMs: 30_000,
});
