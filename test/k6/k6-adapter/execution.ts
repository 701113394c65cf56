/** TEST DOUBLE of `k6/execution`: the identifiers of the calling VU's iteration. */
import { currentVu, state } from './runtime.ts';

const execution = {
  get scenario() {
    const ctx = currentVu('exec.scenario');
    return { name: 'default', executor: 'test-double', startTime: state.scenarioStartTime, progress: 0, iterationInInstance: ctx.iterationInTest, iterationInTest: ctx.iterationInTest };
  },
  get vu() {
    const ctx = currentVu('exec.vu');
    return { idInInstance: ctx.vu, idInTest: ctx.vu, iterationInInstance: ctx.iteration, iterationInScenario: ctx.iteration, tags: {}, metrics: { tags: {}, metadata: {} } };
  },
  get instance() {
    throw new Error('exec.instance: not provided by the test double');
  },
  get test() {
    throw new Error('exec.test: not provided by the test double');
  },
};

export default execution;
