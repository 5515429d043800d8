// jsdom lacks a few browser APIs the app uses; these stand-ins behave as far as the tests need.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach } from 'vitest';

if (typeof HTMLDialogElement !== 'undefined') {
  const proto = HTMLDialogElement.prototype;
  if (!proto.showModal) {
    proto.showModal = function showModal(this: HTMLDialogElement) {
      this.open = true;
    };
  }
  if (!proto.close || !('__vagtClose' in proto)) {
    Object.defineProperty(proto, '__vagtClose', { value: true });
    proto.close = function close(this: HTMLDialogElement) {
      if (!this.open) return;
      this.open = false;
      this.dispatchEvent(new Event('close'));
    };
  }
}

// Audio playback is not implemented in jsdom; the app tolerates a refusal.
if (typeof HTMLMediaElement !== 'undefined') {
  HTMLMediaElement.prototype.play = () => Promise.reject(new Error('no audio in tests'));
}

afterEach(() => {
  // Pure tests run in node, without a window to clear.
  if (typeof window !== 'undefined') clearMocks();
});
