// Shell variable files (`openstack.rc`): parsing only.
export {
  ShellEnvError,
  parseShellEnv,
  type ShellEnvDocument,
  type ShellVariable,
} from './parse-shell-env.js';
