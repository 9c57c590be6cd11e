export default function Home() {
  return <main>aibadgr + Next.js: see /chat, POST /api/node, POST /api/edge</main>;
}
