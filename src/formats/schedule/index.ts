// Job schedules (intervals and cron expressions): parsing and next run times.
export { nextRunAt, parseSchedule, periodOf, type Schedule } from './schedule.js';
