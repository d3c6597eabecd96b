"""The app in a browser (`ipcscope serve`): textual-serve starts one app process per browser
connection. server: the web server, guarded; session: the app one connection runs."""
