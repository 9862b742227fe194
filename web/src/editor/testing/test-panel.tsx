/** The Test panel beside the canvas: a call from the browser, or a scripted run without audio. */
import { useState } from 'react';
import { Icon, icons } from '../../components/icon';
import { ScriptedRunPanel } from './scripted-run-panel';
import { TestCallPanel, type TestCallPanelProps } from './test-call-panel';
import { WhatIfPanel } from './what-if-panel';

export function TestPanel(props: TestCallPanelProps & { onClose(): void }) {
  const [mode, setMode] = useState<'call' | 'script' | 'whatIf'>('call');
  const { onClose, ...shared } = props;
  return (
    <div className="panel-pad test-panel">
      <div className="test-call__title">
        <h2 className="inspector__title">Test</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the test panel" title="Close">
          <Icon path={icons.close} />
        </button>
      </div>
      <div className="segmented" role="tablist" aria-label="How to test">
        <button type="button" role="tab" aria-selected={mode === 'call'} className={mode === 'call' ? 'is-active' : ''} onClick={() => setMode('call')}>
          Call from the browser
        </button>
        <button type="button" role="tab" aria-selected={mode === 'script'} className={mode === 'script' ? 'is-active' : ''} onClick={() => setMode('script')}>
          Scripted run
        </button>
        <button type="button" role="tab" aria-selected={mode === 'whatIf'} className={mode === 'whatIf' ? 'is-active' : ''} onClick={() => setMode('whatIf')}>
          What if
        </button>
      </div>
      {mode === 'call' ? <TestCallPanel key="call" {...shared} /> : mode === 'script' ? <ScriptedRunPanel key="script" {...shared} /> : <WhatIfPanel key="whatIf" {...shared} />}
    </div>
  );
}
