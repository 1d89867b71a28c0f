/** The floor's activities: they return at once. */
export function floorActivities() {
  return {
    async nothing(step: string): Promise<string> {
      return step;
    },
  };
}
