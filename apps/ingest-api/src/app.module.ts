import { Module } from '@nestjs/common';
import { DbModule } from '../../../libs/db/src/db.module';
import { HealthController } from './controllers/health.controller';
import { HealthService } from './services/health.service';
import { RedisHandles } from './services/redis.provider';

@Module({
  imports: [DbModule],
  controllers: [HealthController],
  providers: [RedisHandles, HealthService],
})
export class IngestApiModule {}
