export const operatorPending = true;
