// `@tsimg/core/plugin`: what a builder, provisioner or post-processor is written with. The
// plugin and step contracts and the typed state they share, the resource journal and the
// cleanup plugin contract, the UI, the communicator interface and its SSH implementation,
// option checks that name the field, and the errors the runner tells apart. Cloud builders
// add `@tsimg/cloud-kit` on top. Templates import `@tsimg/core`; library callers
// `@tsimg/core/node`.

// Plugins and their contexts
export type {
  Artifact,
  BaseState,
  CommonProvisionerOptions,
  GeneratedData,
  PostProcessContext,
  PostProcessorPlugin,
  ProvisionContext,
  ProvisionerPlugin,
  SourcePlugin,
  StepsContext,
  ValidateContext,
} from './plugin/types.js'

// Steps and the runner
export type { BuildInfo, CleanupContext, Outcome, Step, StepContext, StepList } from './runner/step.js'
export { runSteps, type CleanupFailure, type RunResult, type RunStepsOptions } from './runner/run-steps.js'
export { provisionStep, runProvisioner, type ProvisionStepOptions } from './provision/step-provision.js'

// The resource journal and `tsimg cleanup`
export { FileJournal, type BuildJournal, type JournalResource, type JournalScope } from './journal/journal.js'
export {
  BUILD_ID_LABEL,
  CREATED_AT_LABEL,
  KEPT_LABEL,
  lazyResourcePlugin,
  pluginId,
  type AccountCheck,
  type PluginId,
  type ResourceContext,
  type ResourcePlugin,
  type SweepTarget,
  type SweptResource,
} from './journal/resources.js'
export { CORE_PLUGIN } from './journal/core-resources.js'

// The UI and secrets
export { BuildUi, nonInteractive, type Prompter, type Ui } from './ui/ui.js'
export type { BuildEvent, EventSink } from './ui/events.js'
export { Redactor } from './ui/redact.js'

// Communicators and SSH
export type { Communicator, ExecOptions, ExecResult, RemoteProcess, SpawnOptions, TransferOptions } from './communicator/types.js'
export { SshCommunicator, signalChannel } from './ssh/communicator.js'
export { LineSplitter } from './ssh/lines.js'
export { sshOptionsSchema, sshSecrets, type SshOptions } from './ssh/options.js'
export { sshTargetFromOptions, type SshTarget } from './ssh/target.js'
export { generateKeyPair, type KeyPair, type KeyPairType } from './ssh/keys.js'
export { temporaryKeyPair, type SshKeyState } from './ssh/step-temporary-key-pair.js'
export { connectSsh } from './ssh/step-connect-ssh.js'
export { clearAuthorizedKeys } from './ssh/step-clear-authorized-keys.js'

// Options: checks that name the field, durations, build-time values
export { commonProvisionerShape, checkCommonOptions, checkOneOf, checkSchema, fieldError, durationMs, formatGoDuration, appliesTo } from './provision/common.js'
export { durationSchema, parseDuration } from './util/duration.js'
export { describeIssue, shownValue, type SchemaIssue } from './template/schema-issue.js'
export { buildValueNames, fillBuildValues } from './template/build-values.js'
export { matchesBuild, namesPostProcessor, selectsBuild } from './build/select.js'

// Local processes
export { processRef, isRunning, waitForExit, gatedExecFile, type ProcessRef } from './util/process.js'

// Template front ends (the Packer loader): var-file lines, Go and HCL time layouts, Go's bool parsing
export { VAR_FILE_LINES } from './template/resolve-vars.js'
export { formatGoTime, formatHclDate } from './template/time-formats.js'
export { goParseBool } from './template/packer-json.js'

// The verify phase: a builder's machine of its image (ctx.verify), check plugins
export type { CheckResult, VerifyContext, VerifyMachine, VerifyMachineFactory, VerifyPlugin } from './verify/types.js'
export { countResults, describeFailures } from './verify/format.js'

// Errors
export { TsimgError, TemplateError, CancelledError, DisconnectedError, HaltWithoutCleanupError, errorMessage, isCancel } from './errors.js'
