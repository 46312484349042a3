/** Matches request paths against route templates such as `/Users/{id}/invitation`. */
export interface RouteMatch<H> {
  template: string;
  handler: H;
  params: Record<string, string>;
}

interface Route<H> {
  method: string;
  template: string;
  segments: string[];
  handler: H;
}

export type RouteResult<H> =
  | { kind: 'match'; match: RouteMatch<H> }
  | { kind: 'methodNotAllowed'; template: string; allow: string[] }
  | { kind: 'notFound' };

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, template: string, handler: H): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler });
    return this;
  }

  find(method: string, path: string): RouteResult<H> {
    const parts = path.split('/').filter(Boolean);
    let allow: string[] = [];
    let template: string | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method)
        return { kind: 'match', match: { template: route.template, handler: route.handler, params } };
      allow.push(route.method);
      template ??= route.template;
    }
    allow = [...new Set(allow)];
    return template ? { kind: 'methodNotAllowed', template, allow } : { kind: 'notFound' };
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (seg.startsWith('{')) {
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (seg !== part) {
      return undefined;
    }
  }
  return params;
}
