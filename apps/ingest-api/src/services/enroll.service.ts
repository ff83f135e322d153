import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { getEnv } from '../../../../libs/config/src';
import { LabelsSchema } from '../../../../libs/contracts/src';
import { HostRepository } from '../../../../libs/db/src/repositories/host.repository';
import { ApiError } from '../common/api-error';
import { generateToken, hashToken, HOST_TOKEN_PREFIX, safeEqual } from '../common/tokens';
import { parseBody } from '../common/validation';

/** `POST /v1/enroll` body (DESIGN.md "HTTP API"). */
export const EnrollRequestSchema = z
  .object({
    enrollSecret: z.string().min(1).max(1024),
    hostname: z.string().min(1).max(253),
    machineId: z.string().min(1).max(128),
    labels: LabelsSchema.optional(),
  })
  .meta({ id: 'EnrollRequest' });

/** Enrolls a host with the fleet enroll secret; enrolling the same machineId again rotates its token. */
@Injectable()
export class EnrollService {
  constructor(private readonly hosts: HostRepository) {}

  async enroll(body: unknown): Promise<{ hostId: string; token: string }> {
    const req = parseBody(EnrollRequestSchema, body);
    if (!safeEqual(req.enrollSecret, getEnv().VIRTCAP_ENROLL_SECRET)) throw new ApiError('unauthorized', 'wrong enroll secret');
    const token = generateToken(HOST_TOKEN_PREFIX);
    const { hostId } = await this.hosts.enroll({ machineId: req.machineId, hostname: req.hostname, labels: req.labels, tokenHash: hashToken(token) });
    return { hostId, token };
  }
}
