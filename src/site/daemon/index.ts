// The site daemon: `fedstack site run` and `fedstack site status`.
export { createRunCommand, createStatusCommand, DEFAULT_STATE_DIR } from './command.js';
export { jobStatusFile, startDaemon, type Daemon, type DaemonOptions } from './daemon.js';
export {
  Scheduler,
  type JobState,
  type RunCounts,
  type SchedulerEnv,
  type SchedulerOptions,
} from './scheduler.js';
export { siteJobsOf, type JobReport, type SiteJob, type SiteJobName } from './site-jobs.js';
