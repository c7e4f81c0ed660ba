/** Dragging node types from the palette onto the canvas. */

/** The MIME type the palette puts on a drag: the node type to create. */
export const NODE_TYPE_MIME = "application/flowdesk-node-type";
export const GRID: [number, number] = [10, 10];

export function snapToGrid(position: { x: number; y: number }): { x: number; y: number } {
  return { x: Math.round(position.x / GRID[0]) * GRID[0], y: Math.round(position.y / GRID[1]) * GRID[1] };
}
