/** Entry point of `cdktf synth` / `cdktf deploy` (cdktf.json "app"): runs the demo app in app/. */
import { main } from "./app";

main();
