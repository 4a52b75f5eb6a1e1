import type { Metadata } from 'next';
import { OperatorConsole } from '../../components/OperatorConsole.tsx';

export const metadata: Metadata = { title: 'Operator · Sentiment Prediction', robots: { index: false } };

export default function OperatorPage() {
  return <OperatorConsole />;
}
