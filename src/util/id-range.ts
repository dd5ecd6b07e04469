/** A run of user or group ids: `count` ids from `start` (a subordinate range, one side of a map). */
export interface IdRange {
  start: number;
  count: number;
}
