import { Duration, PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import type { IngestDeps } from './ingest';
import { handleMessage, type MessageOutcome } from './message-intake';
import { causeChain } from '../util/cause-chain';

/**
 * A streaming-pull subscriber on the subscription an SCC NotificationConfig's topic feeds.
 * Each message is handled once (see handleMessage) and acknowledged when settled; a message
 * that could not be settled (Temporal or the store unreachable) is nacked for redelivery.
 */
export interface PullIntakeOptions {
  /** `projects/P/subscriptions/S`. */
  subscription: string;
  /** `host:port` of a Pub/Sub emulator; the real service (ADC) otherwise. */
  emulatorHost?: string;
  /** How many messages are handled at once. */
  maxInFlight?: number;
  /** Each settled message, with Pub/Sub's count of its deliveries (set when the subscription has a dead-letter policy). */
  onOutcome?: (outcome: MessageOutcome, delivery: { deliveryAttempt?: number }) => void;
  onError?: (error: Error, messageId?: string) => void;
}

const subscriptionPath = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/subscriptions\/([A-Za-z][\w.~+%-]{2,254})$/;

export function parseSubscription(name: string): { project: string; subscription: string } {
  const match = subscriptionPath.exec(name);
  if (!match) throw new Error(`"${name.slice(0, 300)}" is not a Pub/Sub subscription (projects/PROJECT/subscriptions/NAME)`);
  return { project: match[1]!, subscription: match[2]! };
}

export class PubSubPullIntake {
  private readonly client: PubSub;
  private readonly subscription: Subscription;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: IngestDeps,
    private readonly options: PullIntakeOptions,
  ) {
    const { project, subscription } = parseSubscription(options.subscription);
    this.client = new PubSub({ projectId: project, ...(options.emulatorHost ? { apiEndpoint: options.emulatorHost, emulatorMode: true } : {}) });
    this.subscription = this.client.subscription(subscription, {
      flowControl: { maxMessages: options.maxInFlight ?? 8, allowExcessMessages: false },
      // Messages held back by flow control wait on their lease. Several streams and the 10 s
      // default lease let a backlog expire while it waits: measured on the emulator, a backlog
      // of 4,000 was delivered 15,000 times (4,000 with one stream or a 60 s lease), and every
      // duplicate costs a parse and a store round trip.
      streamingOptions: { maxStreams: 1 },
      minAckDeadline: Duration.from({ seconds: 60 }),
      // Stopping lets the messages in hand settle and be acknowledged; the library's default
      // nacks them at once, so each would be delivered again and handled twice.
      closeOptions: { behavior: 'WAIT', timeout: Duration.from({ seconds: 30 }) },
    });
  }

  start(): void {
    this.subscription.on('message', (message: Message) => {
      const work = this.handle(message).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    // The stream reconnects by itself; an error here is reported, never fatal to the process.
    this.subscription.on('error', (error: Error) => this.options.onError?.(error));
  }

  private async handle(message: Message): Promise<void> {
    try {
      const outcome = await handleMessage(this.deps, {
        source: `pubsub:${this.options.subscription}`,
        messageId: message.id,
        data: message.data,
        attributes: { ...message.attributes },
      });
      message.ack();
      this.options.onOutcome?.(outcome, message.deliveryAttempt ? { deliveryAttempt: message.deliveryAttempt } : {});
    } catch (error) {
      message.nack();
      this.options.onError?.(new Error(`message ${message.id} is left for redelivery: ${causeChain(error)}`, { cause: error }), message.id);
    }
  }

  /** Stops pulling, lets the messages in hand settle and flushes their acknowledgements, then closes the client. */
  async stop(): Promise<void> {
    await this.subscription.close();
    await Promise.allSettled([...this.inFlight]);
    await this.client.close();
  }
}
