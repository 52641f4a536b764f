/**
 * Runs tasks with at most `limit` at a time (0 = all at once, Packer's -parallel-builds default),
 * keeping results in task order. A task never rejects the pool: each returns its own result.
 */
export async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length)
  const width = limit > 0 ? Math.min(limit, tasks.length) : tasks.length
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await (tasks[i] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
  return results
}
