// CPU-profiles a Node process started by someone else (e.g. the mock child that bench/harness-e2e.ts
// and `rth run` spawn), where `--cpu-prof` cannot be passed: Node refuses it in NODE_OPTIONS, but
// a preload is allowed. Profiles every process whose argv contains $RTH_PROF_MATCH (default
// `mock`) and writes $RTH_PROF_DIR/<match>-<pid>.cpuprofile at exit (read it with
// bench/cpuprofile-top.ts). Sampling interval 1 ms.
//
//   RTH_PROF_DIR=/tmp/prof NODE_OPTIONS="--require ./bench/cpu-prof-preload.cjs" \
//     node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/harness-e2e.ts --duration 20
const match = process.env.RTH_PROF_MATCH || 'mock';
if (process.env.RTH_PROF_DIR && process.argv.includes(match)) {
  const inspector = require('node:inspector');
  const fs = require('node:fs');
  const path = require('node:path');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process inspector session answers synchronously, so this completes inside 'exit'.
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      fs.mkdirSync(process.env.RTH_PROF_DIR, { recursive: true });
      fs.writeFileSync(path.join(process.env.RTH_PROF_DIR, `${match}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
