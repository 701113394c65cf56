import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { registerCorpus } from './corpus.ts';
import { registerMock } from './mock.ts';
import { registerRun } from './run.ts';
import { registerCost } from './cost.ts';
import { registerConform } from './conform.ts';
import { registerK6 } from './k6.ts';
import { registerReport } from './report.ts';
import { registerCompare } from './compare.ts';
import { registerPlan } from './plan.ts';
import { registerCalibrate } from './calibrate.ts';
import { registerRecord } from './record.ts';
import { registerCheckClient } from './check-client.ts';

/** Registers one command on the program. `setExitCode` sets the process exit code without exiting. */
export type RegisterCommand = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;

/** Every `rth` command, in help order. Each module adds exactly one top-level command. */
export const commands: RegisterCommand[] = [registerCorpus, registerMock, registerRun, registerCost, registerConform, registerK6, registerReport, registerCompare, registerPlan, registerCalibrate, registerRecord, registerCheckClient];
