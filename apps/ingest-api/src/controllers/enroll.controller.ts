import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EnrollRequestSchema, EnrollService } from '../services/enroll.service';

@ApiTags('agent')
@Controller('v1')
export class EnrollController {
  constructor(private readonly enrollment: EnrollService) {}

  /** Enroll a host with the fleet enroll secret → 201 {hostId, token} (token shown once; re-enrolling rotates it). */
  @Post('enroll')
  @HttpCode(201)
  enroll(@Body({ schema: EnrollRequestSchema }) body: unknown): Promise<{ hostId: string; token: string }> {
    return this.enrollment.enroll(body);
  }
}
