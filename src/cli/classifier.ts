/** `discern classifier`: evaluate the committed digit classifier, or retrain it. */
import { initEngine, type TierRequest } from '../engine/index.js';
import { loadMnist } from '../data/mnist.js';
import { accuracy, CLASSIFIER_PATH, loadDigitClassifier, saveDigitClassifier, trainDigitClassifier } from '../tasks/classifier.js';
import { progress } from './progress.js';

export interface ClassifierCommandOptions {
  train: boolean;
  json: boolean;
  epochs: number;
  seed: number;
  weights: string;
  tier: TierRequest;
}

export async function runClassifier({ train, json, epochs, seed, weights, tier }: ClassifierCommandOptions): Promise<void> {
  const engine = await initEngine(tier);
  if (train) {
    const bar = progress('classifier');
    const start = performance.now();
    const { model, testAccuracy } = trainDigitClassifier({
      epochs, batch: 64, seed,
      onStep: (fraction, loss) => bar.update(fraction, { loss }),
    });
    bar.stop();
    const seconds = (performance.now() - start) / 1000;
    const command = `discern classifier --train --epochs ${epochs} --seed ${seed}${weights === CLASSIFIER_PATH ? '' : ` --weights ${weights}`}`;
    saveDigitClassifier(model, { test_accuracy: testAccuracy, epochs, seed, tier: engine.tier, seconds, command }, weights);
    console.error(`trained in ${seconds.toFixed(0)} s on ${engine.tier}; saved ${weights}`);
  }
  const { model } = loadDigitClassifier(weights);
  const testAccuracy = accuracy(model, loadMnist('test'));
  if (json) console.log(JSON.stringify({ test_accuracy: testAccuracy, weights }));
  else console.log(`MNIST test accuracy ${(100 * testAccuracy).toFixed(2)}% (${weights})`);
}
