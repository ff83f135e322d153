import { Queue } from 'bullmq';
import { notificationJobOptions, QueueName, redisConnection, type JobData } from '../../../../libs/queue/src';

/** Channels a transition is delivered to, from the configured receivers. */
export function configuredChannels(env: { VIRTCAP_ALERT_WEBHOOK_URL?: string; VIRTCAP_ALERTMANAGER_URL?: string }): string[] {
  return [...(env.VIRTCAP_ALERT_WEBHOOK_URL ? ['webhook'] : []), ...(env.VIRTCAP_ALERTMANAGER_URL ? ['alertmanager'] : [])];
}

/**
 * Puts 'alert.notify' jobs on the notifications queue for delivery rows already committed. The job id is
 * the delivery id, so enqueueing the same row twice (a retried job, the outbox sweep) is a no-op.
 */
export class NotificationOutbox {
  readonly queue: Queue;
  constructor(redisUrl: string, prefix: string, private readonly backoffMs: number) {
    this.queue = new Queue(QueueName.Notifications, { connection: redisConnection(redisUrl, 'worker'), prefix });
  }

  async enqueue(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: 'alert.notify',
        data: { deliveryId } satisfies JobData<'alert.notify'>,
        opts: { ...notificationJobOptions, backoff: { type: 'exponential', delay: this.backoffMs }, jobId: deliveryId },
      })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
