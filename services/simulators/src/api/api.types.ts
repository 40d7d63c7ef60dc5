import type { Clock } from '../clock.js';
import type { SimulatorState } from '../state/simulator-state.js';
import type { CallbackDispatcher } from './callback-dispatcher.js';

/** What every API router receives. */
export interface ApiRouterDeps {
  readonly state: SimulatorState;
  readonly clock: Clock;
  readonly callbacks: CallbackDispatcher;
}
