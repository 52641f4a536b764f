import { getJob } from '../backend/jobs.js'
import type { Job } from '../backend/types.js'
import type { Route } from './routes.js'

const STATUS: Record<Job['state'], string> = { pending: 'INIT', running: 'RUNNING', success: 'SUCCESS', fail: 'FAIL' }

/** Huawei's time format in job answers: 2026-11-29T14:56:49.123Z. */
const time = (d: Date | undefined): string => (d ? d.toISOString() : '')

/** The sub-job type ECS reports under a batch job (one per server). */
const SUB_TYPE: Record<string, string> = {
  createServer: 'createSingleServer',
  deleteServer: 'deleteSingleServer',
  batchStopServer: 'stopSingleServer',
  batchStartServer: 'startSingleServer',
}

/**
 * One job, as ECS and IMS show it (they share the table and the path). ECS batch jobs list
 * a sub-job per server whose `entities.server_id` is what a client reads to find its server;
 * IMS jobs carry `entities.image_id`. A failed job says why in fail_reason and error_code.
 */
function renderJob(job: Job): Record<string, unknown> {
  const status = STATUS[job.state]
  const failed = job.state === 'fail'
  const common = {
    status,
    begin_time: time(job.started ?? job.created),
    end_time: time(job.ended),
    error_code: failed ? (job.error?.code ?? 'Ecs.0000') : null,
    fail_reason: failed ? (job.error?.message ?? 'job failed') : null,
  }
  const sub = SUB_TYPE[job.type]
  if (!sub) return { job_id: job.id, job_type: job.type, ...common, entities: { ...job.entities } }
  const servers = (job.entities.server_ids ?? job.entities.server_id ?? '').split(',').filter(Boolean)
  return {
    job_id: job.id,
    job_type: job.type,
    ...common,
    entities: {
      sub_jobs_total: servers.length,
      sub_jobs: servers.map((id, n) => ({
        job_id: `${job.id.slice(0, -2)}${String(n).padStart(2, '0')}`,
        job_type: sub,
        ...common,
        entities: { server_id: id },
      })),
    },
  }
}

export const jobRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/{project_id}/jobs/{job_id}',
    action: 'ShowJob',
    service: 'ecs',
    handler: ({ cloud, region }, { params }) => renderJob(getJob(cloud, region, params.job_id!)),
  },
]
