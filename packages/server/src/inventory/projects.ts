import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt: number;
  readonly createdBy: string;
}

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  created_at: number;
  created_by: string;
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

export class ProjectStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Creates a project; undefined when the name is taken. */
  async create(
    input: { name: string; description: string },
    userId: string,
    now: number,
  ): Promise<Project | undefined> {
    const id = randomUUID();
    const changed = await this.#db.run(
      `INSERT INTO projects (id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
      [id, input.name, input.description, now, userId],
    );
    return changed === 1
      ? { id, name: input.name, description: input.description, createdAt: now, createdBy: userId }
      : undefined;
  }

  async byName(name: string): Promise<Project | undefined> {
    const row = await this.#db.get<ProjectRow>(
      'SELECT id, name, description, created_at, created_by FROM projects WHERE name = ?',
      [name],
    );
    return row === undefined ? undefined : toProject(row);
  }

  async list(): Promise<Project[]> {
    const rows = await this.#db.all<ProjectRow>(
      'SELECT id, name, description, created_at, created_by FROM projects ORDER BY name',
    );
    return rows.map(toProject);
  }
}
