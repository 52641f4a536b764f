import { BackendError, CloudError, notFound } from './errors.js'
import type { Cloud } from './cloud.js'
import type { Job, JobProgress } from './types.js'

/**
 * Asynchronous jobs, as Huawei's ECS and IMS answer a create with a job id that the client
 * polls: pending for `delays.jobStarted` ('stuck' never starts, 'fail' fails it), then running
 * until `watch` reports success or fail (e.g. "the server is ACTIVE", "the image is active").
 * A fault on action `job:<type>` fails the job when it would start, with the fault's code.
 */
export function startJob(cloud: Cloud, region: string, type: string, watch: () => JobProgress, entities: Record<string, string> = {}): Job {
  cloud.region(region)
  const job: Job = {
    id: cloud.newId('job', region),
    region,
    type,
    state: 'pending',
    created: new Date(),
    entities: { ...entities },
    watch,
    since: Date.now(),
  }
  cloud.jobs.set(job.id, job)
  return job
}

export function getJob(cloud: Cloud, region: string, id: string): Job {
  const job = cloud.jobs.get(id)
  if (!job || job.region !== region) throw notFound('job', id)
  return job
}

function end(job: Job, state: 'success' | 'fail', error?: Job['error']): void {
  job.state = state
  job.ended = new Date()
  if (error) job.error = error
}

/** Advances every unfinished job; called by the cloud's clock. */
export function tickJobs(cloud: Cloud): void {
  const delay = cloud.delays.jobStarted
  for (const job of cloud.jobs.values()) {
    if (job.state === 'pending') {
      if (delay === 'stuck' || (typeof delay === 'number' && Date.now() - job.since < delay)) continue
      if (delay === 'fail') {
        end(job, 'fail', { message: `job ${job.type} failed to start` })
        continue
      }
      const fault = cloud.faults.take(`job:${job.type}`)
      if (fault) {
        end(job, 'fail', { code: fault instanceof CloudError ? fault.code : undefined, message: fault.message })
        continue
      }
      job.state = 'running'
      job.started = new Date()
    }
    if (job.state !== 'running') continue
    let progress: JobProgress
    try {
      progress = job.watch()
    } catch (error) {
      progress = { state: 'fail', message: (error as Error).message, code: error instanceof BackendError ? error.kind : undefined }
    }
    if (progress.state === 'success') {
      Object.assign(job.entities, progress.entities ?? {})
      end(job, 'success')
    } else if (progress.state === 'fail') end(job, 'fail', { code: progress.code, message: progress.message })
  }
}
