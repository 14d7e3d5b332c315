// Two live processes writing one instanceId's history and saved state (a shared store): what the snapshot says of it.

/** Another live process writing under this instanceId for over 5 resolutions (docs/instance-id.md). */
export interface InstanceConflict {
  /** Live processes, this one included. */
  processes: number;
  /** When this process first saw another (ISO 8601). */
  since: string;
  /** Whether this process holds the saved state (active alerts, models). */
  holds_state: boolean;
}
