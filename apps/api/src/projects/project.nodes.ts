// Row -> GraphQL object mapper of this feature.
import type { ProjectRow } from './project.repository.ts';
import { Project } from './project.types.ts';
import { nodeOf } from '../graphql/relay.ts';

export const projectNode = (r: ProjectRow): Project => nodeOf(Project, 'Project', r);
