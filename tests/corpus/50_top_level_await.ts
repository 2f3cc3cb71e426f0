// expect-value: {"timeline":["rrr","drf","drf","ddf"],"outcome":{"build":"done","test":"done","deploy":"failed"},"failed":["deploy"],"polls":[2,4,2]}
// TypeScript with top-level await and for-await over an async generator:
// poll a (simulated) job queue until every job is done.
type JobState = 'queued' | 'running' | 'done' | 'failed';
interface Job { id: string; state: JobState; polls: number }

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const jobs: Job[] = ['build', 'test', 'deploy'].map((id) => ({ id, state: 'queued', polls: 0 }));
const script: Record<string, JobState[]> = {
  build: ['running', 'done'],
  test: ['running', 'running', 'running', 'done'],
  deploy: ['running', 'failed'],
};

async function* poll(list: Job[], intervalMs: number): AsyncGenerator<Job[], number> {
  let rounds = 0;
  while (list.some((j) => j.state === 'queued' || j.state === 'running')) {
    await delay(intervalMs);
    rounds++;
    for (const job of list) {
      if (job.state === 'done' || job.state === 'failed') continue;
      job.state = script[job.id][job.polls++] ?? job.state;
    }
    yield list.map((j) => ({ ...j }));
  }
  return rounds;
}

const timeline: string[] = [];
for await (const snapshot of poll(jobs, 10)) {
  timeline.push(snapshot.map((j) => j.state[0]).join(''));
}
const outcome = Object.fromEntries(jobs.map((j) => [j.id, j.state])) as Record<string, JobState>;
const failed = jobs.filter((j) => j.state === 'failed').map((j) => j.id);
await delay(1);

({ timeline, outcome, failed, polls: jobs.map((j) => j.polls) })
