// Types for wink-naive-bayes-text-classifier, which ships none: only the calls Huying makes.
declare module 'wink-naive-bayes-text-classifier' {
  export interface NaiveBayesTextClassifier {
    defineConfig(cfg: { considerOnlyPresence?: boolean; smoothingFactor?: number }): boolean;
    definePrepTasks(tasks: ((input: any) => any)[]): number;
    learn(input: string | string[], label: string): boolean;
    consolidate(): boolean;
    /** log2 odds of each label against the rest, best first; [['unknown', 0]] when no token is known */
    computeOdds(input: string | string[]): [string, number][];
    predict(input: string | string[]): string;
    exportJSON(): string;
    importJSON(json: string): boolean;
    stats(): {
      labelWiseSamples: Record<string, number>;
      labelWiseWords: Record<string, number>;
      vocabulary: number;
    };
  }
  const create: () => NaiveBayesTextClassifier;
  export default create;
}
