/** Go-layout dates (`{{isotime}}`) are core's, shared with image.ts's `isotime()`. */
export { formatGoTime } from '@tsimg/core/plugin'
