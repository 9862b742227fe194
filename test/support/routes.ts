/** Every `METHOD path` an Express app answers, found by walking its router stack. */
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
}

export function mountedRoutes(app: unknown): Array<{ method: string; path: string }> {
  const walk = (stack: Layer[], prefix: string): Array<{ method: string; path: string }> =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const route = layer.route;
        return [route.path].flat().flatMap((path) => Object.keys(route.methods).map((method) => ({ method: method.toUpperCase(), path: `${prefix}${path}` })));
      }
      if (layer.handle?.stack) return walk(layer.handle.stack, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''));
      return [];
    });
  return walk((app as { router: { stack: Layer[] } }).router.stack, '');
}
