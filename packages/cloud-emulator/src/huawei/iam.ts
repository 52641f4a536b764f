import { projects, DOMAIN_ID } from './projects.js'
import type { Route } from './routes.js'

/**
 * Keystone's project list, which the SDK calls to find a project id when a client is built
 * with a region and no projectId. It must answer exactly one project for a region name:
 * with none the SDK goes on to create one.
 */
export const iamRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v3/projects',
    action: 'KeystoneListProjects',
    service: 'iam',
    handler: ({ cloud }, { query }) => {
      const name = query.get('name')
      const list = projects(cloud).filter((p) => !name || p.name === name)
      return {
        projects: list.map((p) => ({
          id: p.id,
          name: p.name,
          domain_id: DOMAIN_ID,
          enabled: true,
          is_domain: false,
          parent_id: DOMAIN_ID,
          description: '',
          links: { self: `/v3/projects/${p.id}` },
        })),
        links: { self: '/v3/projects', next: null, previous: null },
      }
    },
  },
]
