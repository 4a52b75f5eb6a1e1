import { SentimentApp } from '../components/SentimentApp.tsx';

export default function Home() {
  return <SentimentApp />;
}
