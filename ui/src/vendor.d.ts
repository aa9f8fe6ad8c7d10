// Types for cytoscape-svg, which ships none: it adds `cy.svg()`.
declare module "cytoscape-svg" {
  const extension: cytoscape.Ext;
  export default extension;
}

declare namespace cytoscape {
  interface Core {
    svg(options?: { full?: boolean; scale?: number; bg?: string }): string;
  }
}
