// The part of an OCI image config a container starts from (image-spec config.md, `config`),
// typed once: the store reads it from images, the planner from this.

export interface OciContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

/** What the run planner reads of it. */
export type ImageConfig = Pick<OciContainerConfig, 'Env' | 'Cmd' | 'Entrypoint' | 'WorkingDir' | 'User' | 'ExposedPorts'>;
