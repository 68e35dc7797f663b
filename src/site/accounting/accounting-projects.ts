// Which projects are accounted, and for which VO: the config's VO projects plus tagged projects with a VO property.
import { describeError } from '../../errors.js';
import { getProject, listProjects, type OpenStackSession, type Project } from '../../openstack/index.js';
import type { SiteConfig } from '../site-config.js';

/** A project to account. */
export interface AccountedProject {
  readonly projectId: string;
  readonly vo: string;
  /** Index in `vos` when the project comes from the config (its credentials apply). */
  readonly voIndex: number | undefined;
}

/** A project that cannot be accounted, with the reason; its watermarks do not move. */
export interface ProjectProblem {
  readonly projectId: string;
  readonly reason: string;
}

/** The VO of a project: the first configured property present, else the config's map (by id or name). */
export function voOfProject(project: Project, config: SiteConfig): string | undefined {
  for (const key of config.accounting.voProperties) {
    const v = project.properties[key];
    if (v) return v;
  }
  return config.accounting.voMap[project.id] ?? config.accounting.voMap[project.name];
}

/**
 * Lists the projects to account: every VO project of the config (its VO from
 * the config) and every project tagged `accounting.project_tag` (its VO from
 * the project properties or `vo_map`). A tagged project without a VO is a
 * problem, not a guess. When listing tagged projects is forbidden, the VO
 * projects are still returned and the refusal is a problem.
 */
export async function resolveAccountedProjects(
  config: SiteConfig,
  session: OpenStackSession,
): Promise<{ projects: AccountedProject[]; problems: ProjectProblem[] }> {
  const projects: AccountedProject[] = config.vos.map((vo, i) => ({
    projectId: vo.auth.projectId,
    vo: vo.name,
    voIndex: i,
  }));
  const problems: ProjectProblem[] = [];
  const tag = config.accounting.projectTag;
  if (!tag) return { projects, problems };
  let tagged: Project[];
  try {
    tagged = await listProjects(session, { tags: tag });
  } catch (error) {
    problems.push({
      projectId: `(projects tagged ${tag})`,
      reason: `cannot list tagged projects: ${describeError(error)}`,
    });
    return { projects, problems };
  }
  for (const listed of tagged) {
    if (projects.some((p) => p.projectId === listed.id)) continue;
    // the list answer may omit properties on some releases: read the project itself when needed
    let project = listed;
    if (!voOfProject(listed, config)) {
      try {
        project = await getProject(session, listed.id);
      } catch (error) {
        problems.push({
          projectId: listed.id,
          reason: `cannot read project ${listed.name}: ${describeError(error)}`,
        });
        continue;
      }
    }
    const vo = voOfProject(project, config);
    if (vo) projects.push({ projectId: project.id, vo, voIndex: undefined });
    else
      problems.push({
        projectId: project.id,
        reason: `project ${project.name} is tagged ${tag} but has no VO (properties ${config.accounting.voProperties.join(', ')}, or accounting.vo_map)`,
      });
  }
  return { projects, problems };
}
